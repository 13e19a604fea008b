import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from fullstack_agent import db


def test_upgrade_from_empty_creates_every_table(database):
    inspector = sa.inspect(db.get_engine())
    assert {table.name for table in SQLModel.metadata.sorted_tables} <= set(inspector.get_table_names())
    assert db.pending_migrations() == []


def test_models_and_migrations_agree(database):
    with db.get_engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_migrate_is_idempotent(database):
    db.migrate()
    db.migrate()
    assert db.pending_migrations() == []


def test_health_ping(database):
    assert db.ping() is True


def test_an_empty_database_lacks_every_revision_until_migrated(settings_env, tmp_path):
    settings_env(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    db.reset_engine()
    try:
        assert db.pending_migrations() == ["0001"]
        db.migrate()
        assert db.pending_migrations() == []
    finally:
        db.reset_engine()


def test_every_reconciler_handler_thread_can_hold_a_pooled_connection(settings_env, tmp_path):
    settings_env(DATABASE_URL=f"sqlite:///{tmp_path / 'pool.db'}", RECONCILE_HANDLER_THREADS="24")
    db.reset_engine()
    try:
        assert db.get_engine().pool.size() >= 24
    finally:
        db.reset_engine()
