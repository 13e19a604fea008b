"""The engine, sessions and schema migrations."""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session

from fullstack_agent.config import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
# Serialises concurrent `migrate` calls of several replicas on PostgreSQL.
_MIGRATION_LOCK_ID = 0x46A_0001


class MigrationError(RuntimeError):
    """The schema could not be brought up to date."""


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL never corrupts the file and skips an fsync per commit (the reconciler
    # commits after every handler); only the last commits can be lost on a power cut.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_db_engine(url: str, *, pool_size: int = 10) -> sa.Engine:
    """`pool_size` connections stay open; up to 20 more are opened (and closed again) at peaks."""
    if url.startswith("sqlite"):
        database = sa.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                  pool_size=pool_size, max_overflow=20)
        sa.event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return sa.create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=20)


@functools.cache
def get_engine() -> sa.Engine:
    settings = get_settings()
    # Every reconciler handler thread holds a session while it writes; below that many
    # pooled connections, each pass would open and close connections (and rerun the
    # SQLite pragmas) over and over.
    return create_db_engine(settings.database_url, pool_size=settings.RECONCILE_HANDLER_THREADS + 4)


def reset_engine() -> None:
    """Drops the cached engine (after the settings changed, e.g. in tests)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@contextlib.contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_dialect(name: str) -> bool:
    return get_engine().dialect.name == name


def ping() -> bool:
    try:
        with get_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError as error:
        log.warning("database unreachable: %s", type(error).__name__)
        return False


def _alembic_config(connection: sa.Connection | None = None) -> AlembicConfig:
    config = AlembicConfig(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def pending_migrations() -> list[str]:
    """Revisions the database lacks, newest first; empty when it is at the scripts' head."""
    script = ScriptDirectory.from_config(_alembic_config())
    with get_engine().connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == set(script.get_heads()):
        return []
    return [revision.revision
            for revision in itertools.takewhile(lambda revision: revision.revision not in current,
                                                script.walk_revisions())]


def migrate() -> None:
    """Applies pending migrations; raises MigrationError with a readable reason."""
    try:
        with get_engine().begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            command.upgrade(_alembic_config(connection), "head")
    except Exception as error:  # alembic and drivers raise many types; all stop start-up the same way
        raise MigrationError(f"database migration failed: {type(error).__name__}: {error}") from error
