"""The keyhub client against a real local fake Aiproxy: every failure is a value, never an exception."""

import logging

import pytest

from fullstack_agent.services import aiproxy
from tests.support.fake_aiproxy import fake_aiproxy, stable_key  # noqa: F401  (fixture)
from tests.support.net import free_port
from tests.support.sealos import kubeconfig_for

KUBECONFIG = kubeconfig_for("u1")


@pytest.fixture
def configured(settings_env, fake_aiproxy):  # noqa: F811
    settings_env(AIPROXY_ENDPOINT=fake_aiproxy.url, ANTHROPIC_BASE_URL="https://aiproxy.example/anthropic",
                 AIPROXY_TIMEOUT_SECONDS="1")
    return fake_aiproxy


def _log_text(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(("user_id", "expected"), [
    ("abc123", "fullstackagent-abc123"),
    ("x" * 17, "fullstackagent-" + "x" * 17),
])
def test_short_token_names_are_kept(user_id, expected):
    assert aiproxy.token_name(user_id) == expected


def test_long_token_names_are_shortened_deterministically():
    name = aiproxy.token_name("y" * 18)
    assert len(name) == 32 and name.startswith("fullstackagent-")
    assert name == aiproxy.token_name("y" * 18) != aiproxy.token_name("y" * 19)
    assert all(character in "0123456789abcdef" for character in name.removeprefix("fullstackagent-"))


def test_success_returns_the_key_and_logs_without_it(configured, caplog):
    caplog.set_level(logging.INFO, logger="fullstack_agent")
    result = aiproxy.request_key("u1", KUBECONFIG)
    assert result.ok and result.key == stable_key("fullstackagent-u1")
    assert configured.calls == [{"name": "fullstackagent-u1", "kc": KUBECONFIG}]
    log = _log_text(caplog)
    assert "Creating aiproxy token for user: u1" in log
    assert "Token created successfully: fullstackagent-u1" in log
    assert result.key not in log and result.key not in repr(result)


def test_a_second_call_returns_the_same_key(configured):
    assert aiproxy.request_key("u1", KUBECONFIG).key == aiproxy.request_key("u1", KUBECONFIG).key


@pytest.mark.parametrize(("behaviour", "reason"), [
    ("http_400", "Aiproxy refused the request (HTTP 400: name and kc are required: keyhub: name and kc are required)."),
    ("http_401", "Aiproxy refused the request (HTTP 401: Invalid K8s config: keyhub: Invalid K8s config)."),
    ("http_500", "Aiproxy refused the request (HTTP 500: Failed to create token: keyhub: Failed to create token)."),
    ("code_error", "Aiproxy refused the request (code 500: group quota exceeded: quota)."),
    ("not_json", "Aiproxy sent an answer that is not JSON (HTTP 200)."),
    ("endless", "Aiproxy sent an answer larger than 64 KiB."),
    ("slow", "Aiproxy did not answer within 1 s."),
])
def test_each_failure_is_a_value_with_a_reason_and_one_log_line(configured, caplog, behaviour, reason):
    configured.behaviour, configured.delay = behaviour, 3.0
    caplog.set_level(logging.INFO, logger="fullstack_agent")
    result = aiproxy.request_key("u1", KUBECONFIG)
    assert not result.ok and result.key == ""
    assert result.reason == reason
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [f"Aiproxy token creation failed for user u1: {reason}"]
    assert "kube-token-of-u1" not in _log_text(caplog)


def test_connection_refused_is_a_value(settings_env):
    settings_env(AIPROXY_ENDPOINT=f"http://127.0.0.1:{free_port()}", ANTHROPIC_BASE_URL="https://x.example")
    result = aiproxy.request_key("u1", KUBECONFIG)
    assert not result.ok and result.reason.startswith("Aiproxy is unreachable (")


@pytest.mark.parametrize("missing", ["AIPROXY_ENDPOINT", "ANTHROPIC_BASE_URL"])
def test_missing_settings_are_a_value_and_nothing_is_called(settings_env, fake_aiproxy, missing, caplog):  # noqa: F811
    values = {"AIPROXY_ENDPOINT": fake_aiproxy.url, "ANTHROPIC_BASE_URL": "https://x.example"}
    values[missing] = ""
    settings_env(**values)
    result = aiproxy.request_key("u1", KUBECONFIG)
    assert not result.ok and result.reason == f"Aiproxy is not configured on this server ({missing} not set)."
    assert fake_aiproxy.calls == []
