"""Suite-wide fixtures. The environment is pinned before the app's modules read it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="fa-tests-"))

# Settings are read from the process environment (and .env); start every run from a known one.
for _name in list(os.environ):
    if _name.startswith(("ENABLE_", "AIPROXY_", "ANTHROPIC_", "GITHUB_", "SEALOS_", "SANDBOX_",
                         "MAX_", "DATABASE_", "SECRET_", "REFLEX_DB_URL", "REDIS_URL", "CORS_")):
        del os.environ[_name]
os.environ.update({
    "APP_ENV": "development",
    "DATA_DIR": str(_SESSION_DIR / "data"),
    "SECRET_KEY": "test-secret-key-not-for-production",
    "LOG_LEVEL": "INFO",
})
os.chdir(ROOT)

from fullstack_agent import db  # noqa: E402
from fullstack_agent.config import reload_settings  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.local_servers import require_server  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main
    thread while the session's browser lives, and `asyncio.run` in a later test would fail."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    reload_settings()
    db.reset_engine()


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """A migrated SQLite file that each test copies (faster than migrating each time)."""
    path = _SESSION_DIR / "template.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    reload_settings()
    db.reset_engine()
    db.migrate()
    db.reset_engine()
    del os.environ["DATABASE_URL"]
    reload_settings()
    return path


@pytest.fixture(scope="session")
def postgres_url():
    require_server(databases.postgres_available())
    url = databases.create_postgres_database()
    os.environ["DATABASE_URL"] = url
    reload_settings()
    db.reset_engine()
    db.migrate()
    db.reset_engine()
    del os.environ["DATABASE_URL"]
    reload_settings()
    yield url
    db.reset_engine()
    databases.drop_postgres_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, monkeypatch, tmp_path):
    """A migrated, empty database on each backend; the app's settings and engine point at it."""
    if request.param == "sqlite":
        url = databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    else:
        url = request.getfixturevalue("postgres_url")
    _use_database(monkeypatch, url)
    if request.param == "postgresql":
        databases.truncate_all(db.get_engine())
    yield request.param
    db.reset_engine()
    monkeypatch.delenv("DATABASE_URL")
    reload_settings()


@pytest.fixture
def settings_env():
    """Sets environment variables and returns the reloaded settings; restores both afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        def apply(**values: str):
            for name, value in values.items():
                patch.setenv(name, value)
            return reload_settings()
        yield apply
    reload_settings()
