from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from fullstack_agent import crypto, db
from fullstack_agent.models import AuditEvent, AuthProvider, User, UserIdentity
from fullstack_agent.services import password_auth, sessions
from fullstack_agent.services.password_auth import PasswordAuthError

GOOD = "correct horse battery"


def _error(call, *args) -> PasswordAuthError:
    with pytest.raises(PasswordAuthError) as raised:
        call(*args)
    return raised.value


def test_create_account_then_sign_in(database):
    created = password_auth.create_account("  Ada.Lovelace ", GOOD)
    assert created.user_name == "ada.lovelace"
    assert sessions.current_user(created.token).id == created.user_id
    again = password_auth.sign_in("ADA.lovelace", GOOD)
    assert again.user_id == created.user_id and again.token != created.token
    with db.session_scope() as session:
        identity = session.exec(select(UserIdentity)).one()
        assert identity.provider is AuthProvider.PASSWORD and identity.is_primary
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.at))]
    assert actions.count("auth.sign_in") == 2 and "auth.account_created" in actions


def test_password_hash_is_argon2id_and_encrypted_at_rest(database):
    password_auth.create_account("ada", GOOD)
    with db.get_engine().connect() as connection:
        dump = " ".join(str(v) for row in connection.execute(sa.text("SELECT * FROM user_identity")) for v in row)
    assert "argon2" not in dump and GOOD not in dump
    with db.session_scope() as session:
        stored = crypto.decrypt(session.exec(select(UserIdentity)).one().meta["password_hash"])
    assert stored.startswith("$argon2id$")


def test_sign_in_never_creates_an_account(database):
    error = _error(password_auth.sign_in, "nobody", GOOD)
    assert error.code == "WrongCredentials" and error.message == "Wrong username or password."
    with db.session_scope() as session:
        assert session.exec(select(User)).first() is None


@pytest.mark.parametrize(("username", "password", "code"), [
    ("ada", "short", "PasswordTooShort"),
    ("ada", "x" * 1025, "PasswordTooLong"),
    ("a", GOOD, "InvalidUsername"),
    ("ada lovelace", GOOD, "InvalidUsername"),
    ("", GOOD, "InvalidUsername"),
    ("-ada", GOOD, "InvalidUsername"),
])
def test_create_account_rejects_bad_input_and_changes_nothing(database, username, password, code):
    error = _error(password_auth.create_account, username, password)
    assert error.code == code and error.message
    with db.session_scope() as session:
        assert session.exec(select(User)).first() is None


def test_a_taken_username_is_refused(database):
    password_auth.create_account("ada", GOOD)
    error = _error(password_auth.create_account, "ADA", "another password")
    assert error.code == "UsernameTaken"
    with db.session_scope() as session:
        assert len(session.exec(select(User)).all()) == 1


def test_wrong_password_is_refused_and_audited_without_the_password(database):
    password_auth.create_account("ada", GOOD)
    assert _error(password_auth.sign_in, "ada", "wrong password!").code == "WrongCredentials"
    with db.session_scope() as session:
        failure = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.password_failed")).one()
    assert failure.target == "ada" and "wrong password!" not in failure.detail


def test_five_failures_in_five_minutes_throttle_the_username(database):
    password_auth.create_account("ada", GOOD)
    for _ in range(password_auth.MAX_FAILURES):
        assert _error(password_auth.sign_in, "ada", "wrong password").code == "WrongCredentials"
    error = _error(password_auth.sign_in, "ada", GOOD)  # even the right password waits
    assert error.code == "TooManyAttempts"
    assert "Try again in 5 minutes" in error.message
    # Another username is not affected.
    password_auth.create_account("bob", GOOD)
    assert password_auth.sign_in("bob", GOOD).user_name == "bob"


def test_the_throttle_ends_when_the_failures_leave_the_window(database):
    password_auth.create_account("ada", GOOD)
    for _ in range(password_auth.MAX_FAILURES):
        _error(password_auth.sign_in, "ada", "wrong password")
    with db.session_scope() as session:
        for event in session.exec(select(AuditEvent).where(AuditEvent.action == "auth.password_failed")):
            event.at = event.at - password_auth.FAILURE_WINDOW - timedelta(seconds=1)
            session.add(event)
    assert password_auth.sign_in("ada", GOOD).user_name == "ada"


def test_unknown_usernames_are_throttled_too(database):
    for _ in range(password_auth.MAX_FAILURES):
        _error(password_auth.sign_in, "ghost", "wrong password")
    assert _error(password_auth.sign_in, "ghost", "wrong password").code == "TooManyAttempts"


def test_a_success_starts_the_failure_count_afresh(database):
    password_auth.create_account("ada", GOOD)
    for _ in range(password_auth.MAX_FAILURES - 1):
        _error(password_auth.sign_in, "ada", "wrong password")
    password_auth.sign_in("ada", GOOD)
    for _ in range(password_auth.MAX_FAILURES - 1):
        _error(password_auth.sign_in, "ada", "wrong password")
    assert password_auth.sign_in("ada", GOOD).user_name == "ada"


def test_disabled_password_auth_refuses_both_actions(database, settings_env):
    settings_env(ENABLE_PASSWORD_AUTH="false")
    assert _error(password_auth.create_account, "ada", GOOD).code == "PasswordAuthDisabled"
    assert _error(password_auth.sign_in, "ada", GOOD).code == "PasswordAuthDisabled"
