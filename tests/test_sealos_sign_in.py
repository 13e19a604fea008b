"""Sealos sign-in end to end on the service layer: JWT, rows, Aiproxy (a real local fake), notices."""

import concurrent.futures
import logging
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from fullstack_agent import crypto, db
from fullstack_agent.models import (
    AuditEvent, AuthProvider, AuthSession, ConfigSource, User, UserConfig, UserIdentity, utcnow,
)
from fullstack_agent.services import anthropic_key, sealos_auth, sessions, user_config
from fullstack_agent.services.sealos_auth import SealosSignInError
from tests.support.fake_aiproxy import fake_aiproxy, stable_key  # noqa: F401  (fixture)
from tests.support.net import free_port
from tests.support.sealos import JWT_SECRET, desktop_user, kubeconfig_for, make_token

BASE_URL = "https://aiproxy.example/api/anthropic"


@pytest.fixture
def sealos(settings_env, fake_aiproxy):  # noqa: F811
    settings_env(SEALOS_JWT_SECRET=JWT_SECRET, AIPROXY_ENDPOINT=fake_aiproxy.url, ANTHROPIC_BASE_URL=BASE_URL,
                 ANTHROPIC_MODEL="claude-sonnet-4-5", AIPROXY_TIMEOUT_SECONDS="1")
    return fake_aiproxy


def _sign_in(user_id="u1", kubeconfig=None, name="Ada"):
    return sealos_auth.sign_in(make_token(user_id), kubeconfig or kubeconfig_for(user_id),
                               desktop_user(user_id, name))


def _configs(user_id: str) -> dict[str, UserConfig]:
    with db.session_scope() as session:
        return user_config.get_values(session, user_id)


def _actions(user_id: str | None = None) -> list[str]:
    with db.session_scope() as session:
        query = select(AuditEvent).order_by(AuditEvent.at)
        if user_id:
            query = query.where(AuditEvent.user_id == user_id)
        return [event.action for event in session.exec(query)]


def _count(model) -> int:
    with db.session_scope() as session:
        return len(session.exec(select(model)).all())


def _database_dump() -> str:
    with db.get_engine().connect() as connection:
        return "\n".join(
            str(value)
            for table in ("user", "user_identity", "user_config", "auth_session", "audit_event")
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
            for value in row)


def test_new_user_gets_user_identity_kubeconfig_key_and_session(database, sealos):
    result = _sign_in()
    assert result.notice == "" and result.user_name == "Ada"
    assert sessions.current_user(result.token).id == result.user_id
    with db.session_scope() as session:
        identity = session.exec(select(UserIdentity)).one()
    assert (identity.provider, identity.provider_user_id, identity.is_primary) == (AuthProvider.SEALOS, "u1", True)
    assert identity.meta["sealosId"] == "u1" and identity.meta["namespace"] == "ns-u1"
    assert crypto.decrypt(identity.meta["kubeconfig"]) == kubeconfig_for("u1")
    configs = _configs(result.user_id)
    assert configs["KUBECONFIG"].plain_value == kubeconfig_for("u1")
    assert (configs["KUBECONFIG"].source, configs["KUBECONFIG"].is_secret) == (ConfigSource.sealos, True)
    key = configs["ANTHROPIC_API_KEY"]
    assert key.plain_value == stable_key("fullstackagent-u1") and key.source is ConfigSource.aiproxy and key.is_secret
    assert configs["ANTHROPIC_API"].plain_value == BASE_URL
    assert configs["ANTHROPIC_MODEL"].plain_value == "claude-sonnet-4-5"
    assert "ANTHROPIC_SMALL_FAST_MODEL" not in configs  # not configured on the platform
    assert sorted(_actions(result.user_id)) == sorted(
        ["aiproxy.provision", "config.key_written", "auth.account_created", "auth.sign_in"])
    assert sealos.calls == [{"name": "fullstackagent-u1", "kc": kubeconfig_for("u1")}]


def test_secrets_are_not_in_the_database_in_clear(database, sealos):
    _sign_in()
    dump = _database_dump()
    assert "kube-token-of-u1" not in dump
    assert stable_key("fullstackagent-u1") not in dump


FAILURES = {
    "http_400": "HTTP 400", "http_401": "Invalid K8s config", "http_500": "HTTP 500",
    "code_error": "code 500", "not_json": "not JSON", "endless": "larger than 64 KiB",
    "slow": "did not answer within 1 s",
}


@pytest.mark.parametrize("behaviour", list(FAILURES))
def test_sign_in_succeeds_when_provisioning_fails_and_says_so(database, sealos, caplog, behaviour):
    sealos.behaviour, sealos.delay = behaviour, 3.0
    caplog.set_level(logging.INFO, logger="fullstack_agent")
    result = _sign_in()
    assert sessions.current_user(result.token).id == result.user_id
    assert FAILURES[behaviour] in result.notice and "Settings" in result.notice
    configs = _configs(result.user_id)
    assert set(configs) == {"KUBECONFIG"}
    with db.session_scope() as session:
        outcome = anthropic_key.last_outcome(session, result.user_id)
    assert not outcome.ok and FAILURES[behaviour] in outcome.reason
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert "Creating aiproxy token for user: u1" in log and "kube-token-of-u1" not in log


def test_sign_in_succeeds_when_aiproxy_refuses_connections(database, settings_env):
    settings_env(SEALOS_JWT_SECRET=JWT_SECRET, AIPROXY_ENDPOINT=f"http://127.0.0.1:{free_port()}",
                 ANTHROPIC_BASE_URL=BASE_URL)
    result = _sign_in()
    assert "unreachable" in result.notice
    assert set(_configs(result.user_id)) == {"KUBECONFIG"}


def test_sign_in_succeeds_without_aiproxy_settings(database, settings_env):
    settings_env(SEALOS_JWT_SECRET=JWT_SECRET)
    result = _sign_in()
    assert "not configured" in result.notice
    assert set(_configs(result.user_id)) == {"KUBECONFIG"}


def test_existing_user_keeps_sealos_id_gets_new_kubeconfig_and_no_second_key_call(database, sealos):
    first = _sign_in()
    newer = kubeconfig_for("u1", server="https://new.example:6443")
    second = _sign_in(kubeconfig=newer, name="Another name")
    assert second.user_id == first.user_id and second.user_name == "Ada"
    assert second.token != first.token and second.notice == ""
    with db.session_scope() as session:
        identity = session.exec(select(UserIdentity)).one()
    assert identity.meta["sealosId"] == "u1" and crypto.decrypt(identity.meta["kubeconfig"]) == newer
    assert _configs(first.user_id)["KUBECONFIG"].plain_value == newer
    assert len(sealos.calls) == 1
    assert _count(User) == 1 and _count(AuthSession) == 2


def test_existing_user_without_a_key_is_provisioned_at_the_next_sign_in(database, sealos):
    sealos.behaviour = "http_500"
    first = _sign_in()
    assert first.notice
    sealos.behaviour = "success"
    second = _sign_in()
    assert second.notice == ""
    assert _configs(first.user_id)["ANTHROPIC_API_KEY"].plain_value == stable_key("fullstackagent-u1")


def test_an_invalid_aiproxy_key_is_replaced(database, sealos):
    first = _sign_in()
    with db.session_scope() as session:
        entry = user_config.get_entry(session, first.user_id, "ANTHROPIC_API_KEY")
        entry.plain_value, entry.invalid_since = "revoked-key", utcnow()
        session.add(entry)
    _sign_in()
    key = _configs(first.user_id)["ANTHROPIC_API_KEY"]
    assert key.plain_value == stable_key("fullstackagent-u1") and key.invalid_since is None
    assert len(sealos.calls) == 2


@pytest.mark.parametrize("marked_invalid", [False, True])
def test_a_manual_key_survives_a_sealos_sign_in(database, sealos, marked_invalid):
    first = _sign_in()
    with db.session_scope() as session:
        entry = user_config.set_value(session, first.user_id, "ANTHROPIC_API_KEY", "sk-my-own-key",
                                      source=ConfigSource.manual)
        entry.invalid_since = utcnow() if marked_invalid else None
    result = _sign_in()
    key = _configs(first.user_id)["ANTHROPIC_API_KEY"]
    assert key.plain_value == "sk-my-own-key" and key.source is ConfigSource.manual
    assert result.notice == "" and len(sealos.calls) == 1


def test_a_new_user_transaction_failing_half_way_leaves_nothing(database, sealos):
    def fail_on_config_insert(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO USER_CONFIG"):
            raise RuntimeError("disk full")

    sa.event.listen(db.get_engine(), "before_cursor_execute", fail_on_config_insert)
    try:
        with pytest.raises(Exception, match="disk full"):
            _sign_in()
    finally:
        sa.event.remove(db.get_engine(), "before_cursor_execute", fail_on_config_insert)
    for model in (User, UserIdentity, UserConfig, AuthSession):
        assert _count(model) == 0
    # Nothing was lost either: keyhub is idempotent, so the retry gets the same key.
    result = _sign_in()
    assert _configs(result.user_id)["ANTHROPIC_API_KEY"].plain_value == stable_key("fullstackagent-u1")


def test_two_parallel_first_sign_ins_make_one_user(database, sealos):
    sealos.behaviour, sealos.delay = "slow", 0.3
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: _sign_in(), range(2)))
    assert results[0].user_id == results[1].user_id
    assert _count(User) == 1 and _count(UserIdentity) == 1


def test_errors_come_in_the_specified_order(database, settings_env, fake_aiproxy):  # noqa: F811
    expired = make_token("u1", exp=int(time.time()) - 5)
    wrong = make_token("u1", secret="not-the-secret-but-long-enough-for-hs256-keys!!")
    good = make_token("u1")
    bad_kubeconfig = "not: [a kubeconfig"

    def code(token, kubeconfig):
        with pytest.raises(SealosSignInError) as raised:
            sealos_auth.sign_in(token, kubeconfig)
        return raised.value.code

    settings_env(ENABLE_SEALOS_AUTH="true")
    assert code("", bad_kubeconfig) == "SealosTokenRequired"
    assert code(expired, bad_kubeconfig) == "SealosConfigurationError"
    settings_env(SEALOS_JWT_SECRET=JWT_SECRET, AIPROXY_ENDPOINT=fake_aiproxy.url, ANTHROPIC_BASE_URL=BASE_URL)
    assert code(None, bad_kubeconfig) == "SealosTokenRequired"
    assert code(expired, bad_kubeconfig) == "SealosTokenExpired"
    assert code(wrong, bad_kubeconfig) == "SealosTokenInvalid"
    assert code(good, bad_kubeconfig) == "SealosKubeconfigInvalid"
    assert code(good, kubeconfig_for("u1").replace("    namespace: ns-u1\n", "")) == "SealosKubeconfigInvalid"
    assert _count(User) == 0 and fake_aiproxy.calls == []
    with db.session_scope() as session:
        failures = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")).all()
    assert [event.detail for event in failures][-1] == "SealosKubeconfigInvalid"
    assert all("kube-token" not in event.detail for event in failures)


def test_disabled_sealos_sign_in_is_refused_first(database, settings_env):
    settings_env(SEALOS_JWT_SECRET=JWT_SECRET, ENABLE_SEALOS_AUTH="false")
    with pytest.raises(SealosSignInError) as raised:
        sealos_auth.sign_in("", "")
    assert raised.value.code == "SealosAuthDisabled"


def test_error_messages_hold_no_secrets(database, sealos):
    with pytest.raises(SealosSignInError) as raised:
        sealos_auth.sign_in(make_token("u1"), kubeconfig_for("u1").replace("current-context", "x"))
    assert "kube-token" not in str(raised.value) and JWT_SECRET not in str(raised.value)


def test_reprovision_on_demand_and_last_outcome(database, sealos):
    sealos.behaviour = "http_401"
    user_id = _sign_in().user_id
    sealos.behaviour = "success"
    outcome = anthropic_key.reprovision(user_id)
    assert outcome.ok and outcome.token_name == "fullstackagent-u1" and outcome.notice == ""
    with db.session_scope() as session:
        last = anthropic_key.last_outcome(session, user_id)
    assert last.ok and last.at is not None and utcnow() - last.at < timedelta(minutes=1)
    assert _configs(user_id)["ANTHROPIC_API_KEY"].plain_value == stable_key("fullstackagent-u1")


def test_reprovision_leaves_a_manual_key_unless_asked(database, sealos):
    user_id = _sign_in().user_id
    with db.session_scope() as session:
        user_config.set_value(session, user_id, "ANTHROPIC_API_KEY", "sk-mine", source=ConfigSource.manual)
    refused = anthropic_key.reprovision(user_id)
    assert not refused.ok and "own key" in refused.reason
    assert _configs(user_id)["ANTHROPIC_API_KEY"].plain_value == "sk-mine"
    replaced = anthropic_key.reprovision(user_id, replace_manual_key=True)
    assert replaced.ok
    assert _configs(user_id)["ANTHROPIC_API_KEY"].source is ConfigSource.aiproxy


def test_reprovision_needs_a_sealos_account(database, sealos):
    with db.session_scope() as session:
        user = User(name="local")
        session.add(user)
    outcome = anthropic_key.reprovision(user.id)
    assert not outcome.ok and "Sealos" in outcome.reason and sealos.calls == []
