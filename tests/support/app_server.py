"""The app under test: `reflex run --env prod` in a subprocess on a free port."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.net import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningApp:
    url: str
    port: int
    env: dict[str, str]
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **extra}
    # Under PYTEST_CURRENT_TEST Reflex behaves as if it were inside a unit test.
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def run_app(env: dict[str, str], log_path: Path, timeout: float = 180) -> Iterator[RunningApp]:
    """Migrates the database named in `env`, starts the app and stops it (also on failure)."""
    port = free_port()
    env = _child_env({"PUBLIC_URL": f"http://localhost:{port}", **env})
    subprocess.run([sys.executable, "-m", "fullstack_agent", "migrate"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://localhost:{port}"
        wait_for_http(f"{url}/api/health", timeout, alive=lambda: process.poll() is None)
        wait_for_http(f"{url}/", timeout, alive=lambda: process.poll() is None)
        yield RunningApp(url=url, port=port, env=env, log_path=log_path)
    finally:
        _stop(process)
