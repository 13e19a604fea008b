"""The front end exported for static hosting (`reflex export --frontend-only`) and a static
file server that serves it the way the README's nginx example does."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from tests.support.net import free_port
from tests.support.project_copy import child_env

_LIST_ROUTES = """
import json
from reflex.utils import prerequisites
app = prerequisites.get_and_validate_app().app
app._apply_decorated_pages()
print(json.dumps(list(app._unevaluated_pages)))
"""


def app_routes(project_dir: Path) -> list[str]:
    """Every page route the app registers (Reflex spelling: `index`, `projects/[id]`)."""
    result = subprocess.run([sys.executable, "-c", _LIST_ROUTES], cwd=project_dir, env=child_env({}),
                            check=True, capture_output=True, text=True, timeout=120)
    return json.loads(result.stdout.strip().splitlines()[-1])


def export_frontend(project_dir: Path, api_url: str, log_path: Path) -> Path:
    """Runs the README's export procedure in `project_dir`; returns the static site's directory."""
    env = child_env({"REFLEX_API_URL": api_url})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        subprocess.run([sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip"],
                       cwd=project_dir, env=env, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=300)
    return project_dir / ".web" / "build" / "client"


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    """`try_files $uri $uri.html $uri/index.html /__spa-fallback.html` (README, nginx)."""

    def send_head(self):
        root = Path(self.directory)
        path = self.path.split("?", 1)[0].split("#", 1)[0].strip("/")
        candidates = [path, f"{path}.html", f"{path}/index.html"] if path else ["index.html"]
        found = next((c for c in candidates if (root / c).is_file()), "__spa-fallback.html")
        self.path = "/" + found
        return super().send_head()

    def log_message(self, *_args) -> None:
        pass


@contextlib.contextmanager
def serve_static(directory: Path, port: int | None = None) -> Iterator[str]:
    """Serves `directory` on 127.0.0.1 (a free port unless given); yields its origin."""
    handler = functools.partial(_StaticHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
