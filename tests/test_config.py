import os
import subprocess
import sys

import pytest

from fullstack_agent.config import PROJECT_ROOT, Settings, SettingsError


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("MAX_SANDBOXES_PER_RECONCILE", "abc", "valid integer"),
    ("ENABLE_PASSWORD_AUTH", "maybe", "one of true, false, 1, 0"),
    ("ENABLE_GITHUB_AUTH", "yes", "one of true, false, 1, 0"),
    ("SANDBOX_START_TIMEOUT_SECONDS", "0", "greater than or equal to 1"),
    ("LOG_LEVEL", "chatty", "DEBUG, INFO"),
    ("DATABASE_URL", "mysql://x", "sqlite:// or postgresql://"),
    ("AIPROXY_ENDPOINT", "ftp://aiproxy", "http:// or https://"),
    ("REDIS_URL", "127.0.0.1:6379", "redis://, rediss:// or unix://"),
    ("CORS_ALLOWED_ORIGINS", "https://app.example.com/login", "is not an origin"),
])
def test_a_wrong_value_names_the_variable(settings_env, name, value, expected):
    with pytest.raises(SettingsError) as raised:
        settings_env(**{name: value})
    assert f"Invalid setting {name}" in str(raised.value)
    assert expected in str(raised.value)


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("TRUE", True), ("1", True), ("false", False), ("False", False), ("0", False),
    ("", True),  # empty means the default
])
def test_flags_accept_only_true_false_one_zero(settings_env, value, expected):
    assert settings_env(ENABLE_PASSWORD_AUTH=value).ENABLE_PASSWORD_AUTH is expected


def test_sealos_auth_defaults_to_on_when_the_jwt_secret_is_set(settings_env):
    assert settings_env().sealos_auth_enabled is False
    assert settings_env(SEALOS_JWT_SECRET="s3cret").sealos_auth_enabled is True
    assert settings_env(ENABLE_SEALOS_AUTH="false").sealos_auth_enabled is False


def test_github_auth_needs_flag_and_credentials(settings_env):
    assert settings_env(ENABLE_GITHUB_AUTH="true").github_auth_enabled is False
    assert settings_env(GITHUB_CLIENT_ID="id", GITHUB_CLIENT_SECRET="secret").github_auth_enabled is True


def test_production_requires_a_secret_key(settings_env, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(SettingsError, match="SECRET_KEY or SECRET_KEYS is required"):
        settings_env(APP_ENV="production")


def test_secret_values_are_not_echoed_in_errors(settings_env):
    with pytest.raises(SettingsError) as raised:
        settings_env(APP_ENV="production", SECRET_KEYS="", SECRET_KEY="", SESSION_TTL_DAYS="x")
    assert "test-secret-key" not in str(raised.value)


def test_urls_that_may_hold_a_password_are_not_echoed_in_errors(settings_env):
    with pytest.raises(SettingsError) as raised:
        settings_env(REDIS_URL="http://:hunter2@cache:6379", DATABASE_URL="mysql://u:hunter2@db/x")
    assert "Invalid setting REDIS_URL" in str(raised.value)
    assert "Invalid setting DATABASE_URL" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_cors_origins_are_a_comma_separated_list(settings_env):
    settings = settings_env(CORS_ALLOWED_ORIGINS="https://a.example.com/, http://localhost:3000")
    assert settings.CORS_ALLOWED_ORIGINS == ["https://a.example.com", "http://localhost:3000"]
    assert settings_env(CORS_ALLOWED_ORIGINS="").CORS_ALLOWED_ORIGINS == []


def test_start_up_stops_with_a_message_naming_the_variable():
    env = {**os.environ, "MAX_SANDBOXES_PER_RECONCILE": "abc", "ENABLE_PASSWORD_AUTH": "maybe"}
    result = subprocess.run([sys.executable, "-m", "fullstack_agent", "check-config"], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Invalid setting MAX_SANDBOXES_PER_RECONCILE" in result.stderr
    assert "Invalid setting ENABLE_PASSWORD_AUTH" in result.stderr


def test_every_setting_is_documented_in_env_example():
    documented = {line.split("=", 1)[0] for line in (PROJECT_ROOT / ".env.example").read_text().splitlines()
                  if "=" in line and not line.startswith("#")}
    assert set(Settings.model_fields) <= documented
