"""An isolated copy of the project, so builds and servers started by tests and benchmarks
never share (and race on) the developer's `.web`, `.states` or `.env`."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Everything `reflex run`/`reflex export` and the migrations read; the same set the Dockerfile copies.
PROJECT_FILES = ("rxconfig.py", "fullstack_agent", "assets", "alembic", "alembic.ini", "reflex.lock",
                 "pyproject.toml")


def copy_project(target: Path) -> Path:
    """Copies the project's sources into `target` (created if needed) and returns it."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


@contextlib.contextmanager
def project_copy() -> Iterator[Path]:
    """A fresh copy in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fa-project-") as directory:
        yield copy_project(Path(directory))


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment for a `reflex`/app subprocess: ours plus `extra`."""
    env = {**os.environ, **extra}
    # Under PYTEST_CURRENT_TEST Reflex behaves as if it were inside a unit test.
    env.pop("PYTEST_CURRENT_TEST", None)
    return env
