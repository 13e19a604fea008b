"""Test databases: a migrated SQLite file per test, a migrated PostgreSQL database per session."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

PG_SERVER_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        engine = sa.create_engine(PG_SERVER_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except sa.exc.SQLAlchemyError as error:
        return f"PostgreSQL at {PG_SERVER_URL} unreachable: {type(error).__name__}"


def create_postgres_database() -> str:
    name = f"fa_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = sa.make_url(url).database
    engine = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def truncate_all(engine: sa.Engine) -> None:
    tables = [table.name for table in SQLModel.metadata.sorted_tables]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(sa.text(f'DELETE FROM "{table}"'))


def copy_sqlite(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
