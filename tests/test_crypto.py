import sqlalchemy as sa
from sqlmodel import select

from fullstack_agent import crypto, db
from fullstack_agent.config import reload_settings
from fullstack_agent.models import ConfigCategory, Database, User, UserConfig

SECRET = "sk-ant-very-secret-value-1234"


def _raw_values(table: str, column: str) -> list[str]:
    with db.get_engine().connect() as connection:
        return [row[0] for row in connection.execute(sa.text(f'SELECT {column} FROM "{table}"'))]


def _store_secret_config() -> str:
    with db.session_scope() as session:
        user = User(name="ada")
        session.add(user)
        session.flush()
        config = UserConfig(user_id=user.id, key="ANTHROPIC_API_KEY", category=ConfigCategory.anthropic,
                            is_secret=True, value="")
        config.plain_value = SECRET
        session.add(config)
    return user.id


def test_secret_config_is_encrypted_at_rest_and_readable_through_the_model(database):
    user_id = _store_secret_config()
    (raw,) = _raw_values("user_config", "value")
    assert SECRET not in raw and "1234" not in raw
    with db.session_scope() as session:
        config = session.exec(select(UserConfig).where(UserConfig.user_id == user_id)).one()
        assert config.plain_value == SECRET


def test_plain_config_is_stored_as_is(database):
    with db.session_scope() as session:
        user = User(name="ada")
        session.add(user)
        session.flush()
        session.add(UserConfig(user_id=user.id, key="ANTHROPIC_MODEL", value="claude-x", is_secret=False))
    assert _raw_values("user_config", "value") == ["claude-x"]


def test_always_encrypted_columns(database):
    from fullstack_agent.models import Project
    with db.session_scope() as session:
        user = User(name="ada")
        project = Project(user_id=user.id, name="p", slug="p-abcdefgh")
        session.add(user)
        session.flush()
        session.add(project)
        session.flush()
        session.add(Database(project_id=project.id, name="p", k8s_namespace="ns", cluster_name="p-db",
                             password="pw-" + SECRET, connection_url="postgresql://u:pw@h/postgres"))
    assert SECRET not in _raw_values("database", "password")[0]
    assert "postgresql://" not in _raw_values("database", "connection_url")[0]
    with db.session_scope() as session:
        row = session.exec(select(Database)).one()
        assert row.password == "pw-" + SECRET


def test_an_old_key_still_decrypts_after_rotation(database, settings_env, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    settings_env(SECRET_KEYS="old-key")
    user_id = _store_secret_config()
    settings_env(SECRET_KEYS="new-key,old-key")
    with db.session_scope() as session:
        config = session.exec(select(UserConfig).where(UserConfig.user_id == user_id)).one()
        assert config.plain_value == SECRET
        rotated = crypto.rotate(config.value)
    settings_env(SECRET_KEYS="new-key")
    assert crypto.decrypt(rotated) == SECRET


def test_an_unknown_key_fails_with_a_clear_error(settings_env, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    settings_env(SECRET_KEYS="one")
    token = crypto.encrypt(SECRET)
    settings_env(SECRET_KEYS="two")
    try:
        crypto.decrypt(token)
    except crypto.DecryptionError as error:
        assert SECRET not in str(error)
    else:
        raise AssertionError("decrypting with the wrong key must fail")


def test_development_key_is_generated_once_in_the_data_folder(settings_env, monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY")
    settings_env(DATA_DIR=str(tmp_path))
    first = crypto.configured_keys()
    assert (tmp_path / crypto.DEV_KEY_FILE).exists()
    reload_settings()
    assert crypto.configured_keys() == first
