"""The key-health job against a real local fake Aiproxy (keyhub and the relay's /v1/models)."""

import logging

import pytest
from sqlmodel import select

from fullstack_agent import db
from fullstack_agent.models import AuditEvent, ConfigSource, UserConfig
from fullstack_agent.services import aiproxy, key_health, sealos_auth, user_config
from fullstack_agent.services.key_health import HealthStatus
from tests.support.fake_aiproxy import fake_aiproxy  # noqa: F401  (fixture)
from tests.support.net import free_port
from tests.support.sealos import JWT_SECRET, desktop_user, kubeconfig_for, make_token


@pytest.fixture
def platform(settings_env, fake_aiproxy):  # noqa: F811
    settings_env(SEALOS_JWT_SECRET=JWT_SECRET, AIPROXY_ENDPOINT=fake_aiproxy.url,
                 ANTHROPIC_BASE_URL=fake_aiproxy.url, AIPROXY_TIMEOUT_SECONDS="2")
    return fake_aiproxy


def _sealos_user(sealos_id: str = "u1") -> str:
    return sealos_auth.sign_in(make_token(sealos_id), kubeconfig_for(sealos_id), desktop_user(sealos_id)).user_id


def _key_entry(user_id: str) -> UserConfig | None:
    with db.session_scope() as session:
        return user_config.get_entry(session, user_id, user_config.ANTHROPIC_API_KEY)


def _last_check(user_id: str):
    with db.session_scope() as session:
        return key_health.last_check(session, user_id)


def test_a_working_aiproxy_key_is_valid_and_the_outcome_is_kept(database, platform):
    user_id = _sealos_user()
    report = key_health.run_key_health()
    assert report.users == 1 and report.outcomes == {HealthStatus.VALID: 1}
    check = _last_check(user_id)
    assert check.status is HealthStatus.VALID and "accepted" in check.detail and check.at is not None
    assert _key_entry(user_id).invalid_since is None
    assert platform.presented_keys == [platform.key_for(aiproxy.token_name("u1"))]


def test_a_rejected_key_is_marked_and_replaced_by_a_new_one(database, platform):
    user_id = _sealos_user()
    name = aiproxy.token_name("u1")
    old_key = platform.key_for(name)
    platform.delete(name)  # the token is gone upstream; keyhub will create a new one
    report = key_health.run_key_health()
    assert report.outcomes == {HealthStatus.PROVISIONED: 1}
    entry = _key_entry(user_id)
    assert entry.plain_value == platform.key_for(name) != old_key
    assert entry.source is ConfigSource.aiproxy and entry.invalid_since is None
    with db.session_scope() as session:
        actions = [event.action for event in session.exec(select(AuditEvent).where(AuditEvent.user_id == user_id))]
    assert key_health.MARKED_INVALID_ACTION in actions and actions.count("aiproxy.provision") == 2
    assert _last_check(user_id).status is HealthStatus.PROVISIONED


def test_a_key_aiproxy_keeps_handing_out_while_rejected_stays_invalid(database, platform):
    user_id = _sealos_user()
    platform.disable(aiproxy.token_name("u1"))
    assert key_health.run_key_health().outcomes == {HealthStatus.FAILED: 1}
    assert _key_entry(user_id).invalid_since is not None
    assert "rejected as well" in _last_check(user_id).detail
    # The next run does not probe the known-bad key again but asks Aiproxy straight away.
    platform.presented_keys.clear()
    key_health.run_key_health()
    assert len(platform.presented_keys) == 1 and len(platform.calls) == 3


def test_a_missing_key_is_provisioned(database, platform):
    platform.behaviour = "http_500"
    user_id = _sealos_user()
    assert _key_entry(user_id) is None
    platform.behaviour = "success"
    assert key_health.run_key_health().outcomes == {HealthStatus.PROVISIONED: 1}
    assert _key_entry(user_id).plain_value == platform.key_for(aiproxy.token_name("u1"))


def test_a_failed_provisioning_is_reported_with_the_reason(database, platform):
    platform.behaviour = "code_error"
    user_id = _sealos_user()
    assert key_health.run_key_health().outcomes == {HealthStatus.FAILED: 1}
    check = _last_check(user_id)
    assert check.status is HealthStatus.FAILED and "group quota exceeded" in check.detail


def test_a_key_the_user_entered_is_never_checked_or_replaced(database, platform):
    user_id = _sealos_user()
    with db.session_scope() as session:
        user_config.set_value(session, user_id, user_config.ANTHROPIC_API_KEY, "sk-ant-my-own-key-1234",
                              source=ConfigSource.manual)
    platform.presented_keys.clear()
    assert key_health.run_key_health().outcomes == {}
    assert platform.presented_keys == [] and len(platform.calls) == 1
    assert _key_entry(user_id).plain_value == "sk-ant-my-own-key-1234"
    assert _last_check(user_id) is None


@pytest.mark.parametrize("failure", ["http_500", "unreachable", "no_base_url"])
def test_no_verdict_leaves_the_key_alone(database, platform, settings_env, failure):
    user_id = _sealos_user()
    key = _key_entry(user_id).plain_value
    if failure == "http_500":
        platform.models_behaviour = "http_500"
    elif failure == "unreachable":
        settings_env(ANTHROPIC_BASE_URL=f"http://127.0.0.1:{free_port()}")
    else:
        assert settings_env(ANTHROPIC_BASE_URL="").ANTHROPIC_BASE_URL == ""
    assert key_health.run_key_health().outcomes == {HealthStatus.UNCHECKED: 1}
    entry = _key_entry(user_id)
    assert entry.plain_value == key and entry.invalid_since is None
    assert _last_check(user_id).status is HealthStatus.UNCHECKED


def test_the_key_never_reaches_logs_or_audit_rows(database, platform, caplog):
    caplog.set_level(logging.DEBUG)
    user_id = _sealos_user()
    old_key = _key_entry(user_id).plain_value
    platform.delete(aiproxy.token_name("u1"))
    key_health.run_key_health()
    keys = (old_key, _key_entry(user_id).plain_value)
    with db.session_scope() as session:
        audit_text = " ".join(f"{e.action} {e.target} {e.detail}" for e in session.exec(select(AuditEvent)))
    for key in keys:
        assert key not in caplog.text and key not in audit_text
    assert "Key health: 1 Sealos users, 1 provisioned" in caplog.text


def test_one_users_failure_does_not_stop_the_others(database, platform, caplog):
    first, second = _sealos_user("u1"), _sealos_user("u2")
    with db.session_scope() as session:
        entry = user_config.get_entry(session, first, user_config.KEY_HEALTH)
        assert entry is None
        # A stored key that cannot be decrypted makes this user's check raise.
        broken = user_config.get_entry(session, first, user_config.ANTHROPIC_API_KEY)
        broken.value = "not-a-fernet-token"
        session.add(broken)
    report = key_health.run_key_health()
    assert report.users == 2 and report.outcomes == {HealthStatus.VALID: 1}
    assert _last_check(second).status is HealthStatus.VALID
    assert "Key health check failed for user" in caplog.text
