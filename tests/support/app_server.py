"""The app under test: `reflex run --env prod` in a subprocess on a free port, run from an
isolated copy of the project (parallel runs and a developer's running app each keep their `.web`)."""

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
from tests.support.project_copy import child_env, project_copy


@dataclass
class RunningApp:
    url: str
    port: int
    env: dict[str, str]
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


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
def run_app(env: dict[str, str], log_path: Path, timeout: float = 180,
            port: int | None = None) -> Iterator[RunningApp]:
    """Copies the project, migrates the database named in `env`, starts the app from the copy
    and stops it (also on failure). `port` when the caller needs the URL in `env` beforehand."""
    with project_copy() as project_dir:
        yield from _serve(project_dir, env, log_path, timeout, port or free_port())


def _serve(project_dir: Path, env: dict[str, str], log_path: Path, timeout: float,
           port: int) -> Iterator[RunningApp]:
    env = child_env({"PUBLIC_URL": f"http://localhost:{port}", **env})
    subprocess.run([sys.executable, "-m", "fullstack_agent", "migrate"], cwd=project_dir, env=env,
                   check=True, capture_output=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port)],
            cwd=project_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://localhost:{port}"
        wait_for_http(f"{url}/api/health", timeout, alive=lambda: process.poll() is None)
        wait_for_http(f"{url}/", timeout, alive=lambda: process.poll() is None)
        yield RunningApp(url=url, port=port, env=env, log_path=log_path)
    finally:
        _stop(process)
