"""Settings' Anthropic and system-prompt writes, the activity list, on both databases."""

import logging

import pytest
import sqlalchemy as sa
from sqlmodel import select

from fullstack_agent import db
from fullstack_agent.models import AuditEvent, ConfigSource, User, UserConfig
from fullstack_agent.services import activity, agent_settings, aiproxy, key_health, system_prompt, user_config
from fullstack_agent.services.agent_settings import AnthropicInputError
from fullstack_agent.services.system_prompt import DEFAULT_SYSTEM_PROMPT, MAX_PROMPT_LENGTH, SystemPromptError
from tests.support.fake_aiproxy import aiproxy_platform, fake_aiproxy, stable_key  # noqa: F401  (fixtures)
from tests.support.sealos import sign_in_from_desktop

MY_KEY = "sk-ant-api03-my-very-own-key-WXYZ"


def _local_user() -> str:
    with db.session_scope() as session:
        user = User(name="local")
        session.add(user)
    return user.id


def _save(user_id: str, api_key: str = "", base_url: str = "", model: str = "", small: str = ""):
    return agent_settings.save(user_id, api_key=api_key, base_url=base_url, model=model, small_fast_model=small)


def _rows(user_id: str) -> dict[str, UserConfig]:
    with db.session_scope() as session:
        return user_config.get_values(session, user_id)


def _audit_text() -> str:
    with db.session_scope() as session:
        return "\n".join(f"{e.action} {e.target} {e.detail}" for e in session.exec(select(AuditEvent)))


def _raw_dump() -> str:
    with db.get_engine().connect() as connection:
        return "\n".join(str(value) for table in ("user_config", "audit_event")
                         for row in connection.execute(sa.text(f"SELECT * FROM {table}")) for value in row)


def test_a_manual_key_is_stored_encrypted_and_shown_masked(database, caplog):
    caplog.set_level(logging.DEBUG)
    user_id = _local_user()
    change = _save(user_id, api_key=f"  {MY_KEY} ", base_url="https://api.anthropic.com/", model="claude-sonnet-4-5")
    assert set(change.changed) == {"ANTHROPIC_API_KEY", "ANTHROPIC_API", "ANTHROPIC_MODEL"}
    settings = agent_settings.read(user_id)
    assert settings.key.masked == "••••WXYZ" and settings.key.source is ConfigSource.manual
    assert settings.key.set_at is not None and settings.key.invalid_since is None
    assert (settings.base_url, settings.model, settings.small_fast_model) == (
        "https://api.anthropic.com", "claude-sonnet-4-5", "")
    assert not settings.sealos_account and settings.last_provisioning is None
    assert _rows(user_id)["ANTHROPIC_API_KEY"].plain_value == MY_KEY
    assert MY_KEY not in _raw_dump() and MY_KEY not in caplog.text and MY_KEY not in repr(settings)
    assert "config.key_written ANTHROPIC_API_KEY source manual" in _audit_text()


def test_a_short_key_shows_no_characters(database):
    user_id = _local_user()
    _save(user_id, api_key="sk-12345")
    assert agent_settings.read(user_id).key.masked == "••••"


def test_saving_the_same_values_changes_nothing(database):
    user_id = _local_user()
    _save(user_id, api_key=MY_KEY, base_url="https://api.anthropic.com")
    events = _audit_text()
    again = _save(user_id, api_key=MY_KEY, base_url="https://api.anthropic.com")
    assert again.changed == () and _audit_text() == events


def test_an_empty_key_field_keeps_the_key_and_empty_fields_remove_their_setting(database):
    user_id = _local_user()
    _save(user_id, api_key=MY_KEY, base_url="https://api.anthropic.com", model="m1", small="m2")
    change = _save(user_id, api_key="", base_url="", model="", small="")
    assert set(change.changed) == {"ANTHROPIC_API", "ANTHROPIC_MODEL", "ANTHROPIC_SMALL_FAST_MODEL"}
    assert set(_rows(user_id)) == {"ANTHROPIC_API_KEY"}
    assert "config.anthropic_changed anthropic ANTHROPIC_API, ANTHROPIC_MODEL, ANTHROPIC_SMALL_FAST_MODEL" in \
        _audit_text()


@pytest.mark.parametrize("base_url, message", [
    ("ftp://example.com", "http:// or https://"),
    ("example.com", "http:// or https://"),
    ("https://", "name a host"),
    ("https://exa mple.com", "single http"),
    ("https://user:secret@example.com", "user name or password"),
    ("https://example.com:port", "not a valid URL"),
    ("https://example.com/?x=1", "query"),
    ("https://example.com/" + "a" * 2100, "single http"),
])
def test_a_bad_base_url_is_refused_and_nothing_changes(database, base_url, message):
    user_id = _local_user()
    _save(user_id, api_key=MY_KEY, base_url="https://api.anthropic.com")
    before = {key: entry.plain_value for key, entry in _rows(user_id).items()}
    with pytest.raises(AnthropicInputError, match=message) as raised:
        _save(user_id, api_key="sk-ant-another-key-0000", base_url=base_url)
    assert "secret" not in str(raised.value)
    assert {key: entry.plain_value for key, entry in _rows(user_id).items()} == before


@pytest.mark.parametrize("api_key", ["short", "sk-ant with spaces inside", "sk-ant-" + "x" * 600, "sk-ant-ключ-1234"])
def test_a_bad_key_is_refused_without_repeating_it(database, api_key):
    user_id = _local_user()
    with pytest.raises(AnthropicInputError) as raised:
        _save(user_id, api_key=api_key)
    assert api_key.strip() not in str(raised.value)
    assert _rows(user_id) == {}


@pytest.mark.parametrize("model", ["claude sonnet", "claude-<script>", "x" * 200])
def test_a_bad_model_name_is_refused(database, model):
    with pytest.raises(AnthropicInputError, match="model name"):
        _save(_local_user(), model=model)


def test_remove_and_reveal_the_key(database):
    user_id = _local_user()
    assert agent_settings.reveal_key(user_id) == "" and agent_settings.remove_key(user_id).changed == ()
    _save(user_id, api_key=MY_KEY)
    assert agent_settings.reveal_key(user_id) == MY_KEY
    assert agent_settings.remove_key(user_id).changed == ("ANTHROPIC_API_KEY",)
    assert agent_settings.read(user_id).key is None
    audit = _audit_text()
    assert "config.key_revealed" in audit and "config.key_removed ANTHROPIC_API_KEY source manual" in audit
    assert MY_KEY not in audit


def test_a_manual_key_of_a_sealos_user_survives_the_next_sign_in(database, aiproxy_platform):
    user_id = sign_in_from_desktop("u1")
    settings = agent_settings.read(user_id)
    assert settings.sealos_account and settings.key.source is ConfigSource.aiproxy
    assert settings.last_provisioning.ok and settings.base_url == aiproxy_platform.url
    _save(user_id, api_key=MY_KEY, base_url="https://api.anthropic.com")
    assert sign_in_from_desktop("u1") == user_id
    settings = agent_settings.read(user_id)
    assert settings.key.source is ConfigSource.manual and settings.key.masked.endswith("WXYZ")
    assert settings.base_url == "https://api.anthropic.com" and len(aiproxy_platform.calls) == 1


def test_read_shows_the_last_provisioning_failure_and_key_check(database, aiproxy_platform):
    aiproxy_platform.behaviour = "http_401"
    user_id = sign_in_from_desktop("u1")
    settings = agent_settings.read(user_id)
    assert settings.key is None and not settings.last_provisioning.ok
    assert "Invalid K8s config" in settings.last_provisioning.reason
    aiproxy_platform.behaviour = "success"
    key_health.run_key_health()
    settings = agent_settings.read(user_id)
    assert settings.key.source is ConfigSource.aiproxy and settings.last_provisioning.ok
    assert settings.last_health_check.status is key_health.HealthStatus.PROVISIONED
    assert settings.key.masked.endswith(stable_key(aiproxy.token_name("u1"))[-4:])


def test_the_system_prompt_defaults_saves_and_resets(database):
    user_id = _local_user()
    assert system_prompt.read(user_id) == system_prompt.SystemPrompt(DEFAULT_SYSTEM_PROMPT, True)
    change = agent_settings.save_system_prompt(user_id, "Use Django.\r\nWrite tests first.  \n\n")
    assert change.changed and change.prompt.text == "Use Django.\nWrite tests first.\n"
    assert system_prompt.read(user_id) == system_prompt.SystemPrompt("Use Django.\nWrite tests first.\n", False)
    assert not agent_settings.save_system_prompt(user_id, "Use Django.\nWrite tests first.").changed
    reset = agent_settings.reset_system_prompt(user_id)
    assert reset.changed and reset.prompt.is_default
    assert "SYSTEM_PROMPT" not in _rows(user_id)
    assert not agent_settings.reset_system_prompt(user_id).changed
    assert agent_settings.save_system_prompt(user_id, DEFAULT_SYSTEM_PROMPT).prompt.is_default
    audit = _audit_text()
    assert "config.system_prompt_changed SYSTEM_PROMPT 31 characters" in audit
    assert "reset to the default" in audit


@pytest.mark.parametrize("text, message", [(" \n ", "empty"), ("x" * (MAX_PROMPT_LENGTH + 1), "longer")])
def test_a_bad_system_prompt_is_refused(database, text, message):
    user_id = _local_user()
    with pytest.raises(SystemPromptError, match=message):
        agent_settings.save_system_prompt(user_id, text)
    assert system_prompt.read(user_id).is_default


def test_recent_activity_is_labelled_newest_first_and_holds_no_secret(database, aiproxy_platform):
    user_id = sign_in_from_desktop("u1")
    _save(user_id, api_key=MY_KEY, model="claude-opus-4")
    agent_settings.reveal_key(user_id)
    items = activity.recent_activity(user_id)
    labels = [item.label for item in items]
    assert labels[:3] == ["Anthropic key revealed", "Anthropic settings changed", "Anthropic key saved"]
    assert {"Signed in", "Account created", "Aiproxy key provisioning"} <= set(labels)
    assert ("Signed in", "with Sealos") in [(item.label, item.detail) for item in items]
    assert ("Aiproxy key provisioning", "succeeded") in [(item.label, item.detail) for item in items]
    text = repr(items)
    assert MY_KEY not in text and stable_key(aiproxy.token_name("u1")) not in text
    assert "kube-token" not in text
    assert len(activity.recent_activity(user_id, limit=2)) == 2
