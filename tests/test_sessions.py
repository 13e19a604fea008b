from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from fullstack_agent import db
from fullstack_agent.models import AuthProvider, AuthSession, ConfigSource, User
from fullstack_agent.services import sessions, user_config


def _user(name: str) -> str:
    with db.session_scope() as session:
        user = User(name=name)
        session.add(user)
    return user.id


def _new_session(user_id: str) -> str:
    with db.session_scope() as session:
        return sessions.create_session(session, user_id, AuthProvider.PASSWORD)


def test_token_is_long_and_only_its_hash_is_stored(database):
    user_id = _user("ada")
    token = _new_session(user_id)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    with db.get_engine().connect() as connection:
        dump = " ".join(str(v) for row in connection.execute(sa.text("SELECT * FROM auth_session")) for v in row)
    assert token not in dump
    assert sessions.hash_token(token) in dump


def test_resolve_finds_the_user_and_unknown_tokens_find_nobody(database):
    user_id = _user("ada")
    token = _new_session(user_id)
    assert sessions.current_user(token) == sessions.CurrentUser(id=user_id, name="ada")
    assert sessions.current_user("not-a-token") is None
    assert sessions.current_user("") is None
    assert sessions.current_user("x" * 10_000) is None


def test_expired_session_is_refused_and_removed(database):
    token = _new_session(_user("ada"))
    with db.session_scope() as session:
        row = session.exec(select(AuthSession)).one()
        later = row.expires_at + timedelta(seconds=1)
        assert sessions.resolve_user(session, token, now=later) is None
    with db.session_scope() as session:
        assert session.exec(select(AuthSession)).first() is None


def test_expiry_slides_but_is_written_at_most_once_per_interval(database, settings_env):
    settings_env(SESSION_TTL_DAYS="30")
    token = _new_session(_user("ada"))
    with db.session_scope() as session:
        created = session.exec(select(AuthSession)).one()
        first_expiry, first_seen = created.expires_at, created.last_seen_at
    soon = first_seen + sessions.RENEW_INTERVAL / 2
    with db.session_scope() as session:
        assert sessions.resolve_user(session, token, now=soon) is not None
        assert not session.dirty  # nothing to write within the interval
    later = first_seen + timedelta(days=20)
    with db.session_scope() as session:
        assert sessions.resolve_user(session, token, now=later) is not None
    with db.session_scope() as session:
        renewed = session.exec(select(AuthSession)).one()
        assert renewed.last_seen_at == later
        assert renewed.expires_at == later + timedelta(days=30) > first_expiry


def test_sign_out_deletes_the_row_and_the_token_stops_working(database):
    token = _new_session(_user("ada"))
    assert sessions.sign_out(token) is True
    assert sessions.current_user(token) is None
    assert sessions.sign_out(token) is False
    with db.session_scope() as session:
        assert session.exec(select(AuthSession)).first() is None


def test_another_users_session_reads_only_its_own_data(database):
    ada, bob = _user("ada"), _user("bob")
    with db.session_scope() as session:
        user_config.set_value(session, ada, user_config.SYSTEM_PROMPT, "ada's prompt", source=ConfigSource.manual)
        user_config.set_value(session, bob, user_config.SYSTEM_PROMPT, "bob's prompt", source=ConfigSource.manual)
    ada_token, bob_token = _new_session(ada), _new_session(bob)
    assert ada_token != bob_token
    seen_by_bob = sessions.current_user(bob_token)
    assert seen_by_bob.id == bob
    with db.session_scope() as session:
        assert user_config.get_value(session, seen_by_bob.id, user_config.SYSTEM_PROMPT) == "bob's prompt"
    # Signing bob out leaves ada signed in.
    sessions.sign_out(bob_token)
    assert sessions.current_user(ada_token).id == ada


def test_deleting_a_user_removes_their_sessions(database):
    user_id = _user("ada")
    token = _new_session(user_id)
    with db.session_scope() as session:
        session.delete(session.get(User, user_id))
    assert sessions.current_user(token) is None
    with db.session_scope() as session:
        assert session.exec(select(AuthSession)).first() is None
