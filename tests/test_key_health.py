"""The key-health job against a real local fake Aiproxy (keyhub and the relay's /v1/models)."""

import logging

import pytest
from sqlmodel import select

from fullstack_agent import db
from fullstack_agent.models import AuditEvent, ConfigSource, UserConfig
from fullstack_agent.services import aiproxy, key_health, user_config
from fullstack_agent.services.key_health import HealthStatus
from tests.support.fake_aiproxy import aiproxy_platform, fake_aiproxy  # noqa: F401  (fixtures)
from tests.support.net import free_port
from tests.support.sealos import sign_in_from_desktop


def _key_entry(user_id: str) -> UserConfig | None:
    with db.session_scope() as session:
        return user_config.get_entry(session, user_id, user_config.ANTHROPIC_API_KEY)


def _last_check(user_id: str):
    with db.session_scope() as session:
        return key_health.last_check(session, user_id)


def test_a_working_aiproxy_key_is_valid_and_the_outcome_is_kept(database, aiproxy_platform):
    user_id = sign_in_from_desktop("u1")
    report = key_health.run_key_health()
    assert report.users == 1 and report.outcomes == {HealthStatus.VALID: 1}
    check = _last_check(user_id)
    assert check.status is HealthStatus.VALID and "accepted" in check.detail and check.at is not None
    assert _key_entry(user_id).invalid_since is None
    assert aiproxy_platform.presented_keys == [aiproxy_platform.key_for(aiproxy.token_name("u1"))]


def test_a_rejected_key_is_marked_and_replaced_by_a_new_one(database, aiproxy_platform):
    user_id = sign_in_from_desktop("u1")
    name = aiproxy.token_name("u1")
    old_key = aiproxy_platform.key_for(name)
    aiproxy_platform.delete(name)  # the token is gone upstream; keyhub will create a new one
    report = key_health.run_key_health()
    assert report.outcomes == {HealthStatus.PROVISIONED: 1}
    entry = _key_entry(user_id)
    assert entry.plain_value == aiproxy_platform.key_for(name) != old_key
    assert entry.source is ConfigSource.aiproxy and entry.invalid_since is None
    with db.session_scope() as session:
        actions = [event.action for event in session.exec(select(AuditEvent).where(AuditEvent.user_id == user_id))]
    assert key_health.MARKED_INVALID_ACTION in actions and actions.count("aiproxy.provision") == 2
    assert _last_check(user_id).status is HealthStatus.PROVISIONED


def test_a_key_aiproxy_keeps_handing_out_while_rejected_stays_invalid(database, aiproxy_platform):
    user_id = sign_in_from_desktop("u1")
    aiproxy_platform.disable(aiproxy.token_name("u1"))
    assert key_health.run_key_health().outcomes == {HealthStatus.FAILED: 1}
    assert _key_entry(user_id).invalid_since is not None
    assert "rejected as well" in _last_check(user_id).detail
    # The next run does not probe the known-bad key again but asks Aiproxy straight away.
    aiproxy_platform.presented_keys.clear()
    key_health.run_key_health()
    assert len(aiproxy_platform.presented_keys) == 1 and len(aiproxy_platform.calls) == 3


def test_a_missing_key_is_provisioned(database, aiproxy_platform):
    aiproxy_platform.behaviour = "http_500"
    user_id = sign_in_from_desktop("u1")
    assert _key_entry(user_id) is None
    aiproxy_platform.behaviour = "success"
    assert key_health.run_key_health().outcomes == {HealthStatus.PROVISIONED: 1}
    assert _key_entry(user_id).plain_value == aiproxy_platform.key_for(aiproxy.token_name("u1"))


def test_a_failed_provisioning_is_reported_with_the_reason(database, aiproxy_platform):
    aiproxy_platform.behaviour = "code_error"
    user_id = sign_in_from_desktop("u1")
    assert key_health.run_key_health().outcomes == {HealthStatus.FAILED: 1}
    check = _last_check(user_id)
    assert check.status is HealthStatus.FAILED and "group quota exceeded" in check.detail


def test_a_key_the_user_entered_is_never_checked_or_replaced(database, aiproxy_platform):
    user_id = sign_in_from_desktop("u1")
    with db.session_scope() as session:
        user_config.set_value(session, user_id, user_config.ANTHROPIC_API_KEY, "sk-ant-my-own-key-1234",
                              source=ConfigSource.manual)
    aiproxy_platform.presented_keys.clear()
    assert key_health.run_key_health().outcomes == {}
    assert aiproxy_platform.presented_keys == [] and len(aiproxy_platform.calls) == 1
    assert _key_entry(user_id).plain_value == "sk-ant-my-own-key-1234"
    assert _last_check(user_id) is None


@pytest.mark.parametrize("failure", ["http_500", "unreachable", "no_base_url"])
def test_no_verdict_leaves_the_key_alone(database, aiproxy_platform, settings_env, failure):
    user_id = sign_in_from_desktop("u1")
    key = _key_entry(user_id).plain_value
    if failure == "http_500":
        aiproxy_platform.models_behaviour = "http_500"
    elif failure == "unreachable":
        settings_env(ANTHROPIC_BASE_URL=f"http://127.0.0.1:{free_port()}")
    else:
        assert settings_env(ANTHROPIC_BASE_URL="").ANTHROPIC_BASE_URL == ""
    assert key_health.run_key_health().outcomes == {HealthStatus.UNCHECKED: 1}
    entry = _key_entry(user_id)
    assert entry.plain_value == key and entry.invalid_since is None
    assert _last_check(user_id).status is HealthStatus.UNCHECKED


def test_the_key_never_reaches_logs_or_audit_rows(database, aiproxy_platform, caplog):
    caplog.set_level(logging.DEBUG)
    user_id = sign_in_from_desktop("u1")
    old_key = _key_entry(user_id).plain_value
    aiproxy_platform.delete(aiproxy.token_name("u1"))
    key_health.run_key_health()
    keys = (old_key, _key_entry(user_id).plain_value)
    with db.session_scope() as session:
        audit_text = " ".join(f"{e.action} {e.target} {e.detail}" for e in session.exec(select(AuditEvent)))
    for key in keys:
        assert key not in caplog.text and key not in audit_text
    assert "Key health: 1 Sealos users, 1 provisioned" in caplog.text


def test_one_users_failure_does_not_stop_the_others(database, aiproxy_platform, caplog):
    first, second = sign_in_from_desktop("u1"), sign_in_from_desktop("u2")
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
