"""Settings, read from the environment (and a `.env` file) once, validated at start-up."""

from __future__ import annotations

import functools
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """A setting has a wrong value; the message names the variable."""


def _strict_bool(value: Any) -> Any:
    # SPEC §4.5: only true/false/1/0 (any case); pydantic alone would also take yes/on/t.
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError("must be one of true, false, 1, 0")


StrictBool = Annotated[bool, BeforeValidator(_strict_bool)]


class AppEnv(str, Enum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # SPEC §4.5: an empty value means the default
        extra="ignore",
        case_sensitive=True,
    )

    APP_ENV: AppEnv = AppEnv.development
    DATA_DIR: Path = PROJECT_ROOT / "data"
    DATABASE_URL: str = ""
    SECRET_KEY: str = ""
    SECRET_KEYS: Annotated[list[str], NoDecode] = Field(default_factory=list)
    LOG_LEVEL: str = "INFO"
    REDIS_URL: str = ""
    CORS_ALLOWED_ORIGINS: Annotated[list[str], NoDecode] = Field(default_factory=list)
    PUBLIC_URL: str = "http://localhost:3000"
    SESSION_TTL_DAYS: int = Field(30, ge=1, le=365)

    SEALOS_JWT_SECRET: str = ""
    AIPROXY_ENDPOINT: str = ""
    AIPROXY_TIMEOUT_SECONDS: float = Field(10.0, gt=0, le=10)
    ANTHROPIC_BASE_URL: str = ""
    ANTHROPIC_MODEL: str = ""
    ANTHROPIC_SMALL_FAST_MODEL: str = ""
    KEY_HEALTH_INTERVAL_SECONDS: int = Field(3600, ge=60)

    GITHUB_CLIENT_ID: str = ""
    GITHUB_CLIENT_SECRET: str = ""
    GITHUB_AUTHORIZE_URL: str = "https://github.com/login/oauth/authorize"
    GITHUB_TOKEN_URL: str = "https://github.com/login/oauth/access_token"
    GITHUB_API_URL: str = "https://api.github.com"

    ENABLE_PASSWORD_AUTH: StrictBool = True
    ENABLE_SEALOS_AUTH: StrictBool | None = None
    ENABLE_GITHUB_AUTH: StrictBool = False

    SANDBOX_LOCK_DURATION_SECONDS: int = Field(30, ge=1)
    MAX_SANDBOXES_PER_RECONCILE: int = Field(20, ge=1)
    DATABASE_LOCK_DURATION_SECONDS: int = Field(30, ge=1)
    MAX_DATABASES_PER_RECONCILE: int = Field(20, ge=1)
    RECONCILE_INTERVAL_SECONDS: float = Field(3.0, gt=0)
    DRIFT_CHECK_INTERVAL_SECONDS: int = Field(60, ge=1)
    SANDBOX_START_TIMEOUT_SECONDS: int = Field(600, ge=1)
    RECONCILER_ENABLED: StrictBool = True
    RECONCILE_HANDLER_THREADS: int = Field(8, ge=1, le=256)
    K8S_REQUEST_TIMEOUT_SECONDS: float = Field(10.0, gt=0, le=300)
    RUNTIME_IMAGE: str = "fullstackagent/fullstack-web-runtime:v0.0.1-alpha.12"
    SANDBOX_DOMAIN: str = ""
    DATABASE_STORAGE_CLASS: str = "openebs-backup"

    @field_validator("SECRET_KEYS", "CORS_ALLOWED_ORIGINS", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("CORS_ALLOWED_ORIGINS")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        origins = [value.rstrip("/") for value in values]
        for origin in origins:
            if origin != "*" and (not origin.startswith(("http://", "https://")) or origin.count("/") != 2):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com (no path) or *")
        return origins

    @field_validator("AIPROXY_ENDPOINT", "ANTHROPIC_BASE_URL", "PUBLIC_URL", "GITHUB_AUTHORIZE_URL",
                     "GITHUB_TOKEN_URL", "GITHUB_API_URL")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _production_needs_secret(self) -> "Settings":
        if self.APP_ENV is AppEnv.production and not (self.SECRET_KEY or self.SECRET_KEYS):
            raise ValueError("SECRET_KEY or SECRET_KEYS is required when APP_ENV=production")
        return self

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or f"sqlite:///{self.DATA_DIR / 'fullstack_agent.db'}"

    @property
    def sealos_auth_enabled(self) -> bool:
        if self.ENABLE_SEALOS_AUTH is None:
            return bool(self.SEALOS_JWT_SECRET)
        return self.ENABLE_SEALOS_AUTH

    @property
    def github_auth_enabled(self) -> bool:
        return self.ENABLE_GITHUB_AUTH and bool(self.GITHUB_CLIENT_ID and self.GITHUB_CLIENT_SECRET)


# These URLs may carry a password, so a wrong value is named but never echoed.
_URLS_WITH_CREDENTIALS = ("DATABASE_URL", "REDIS_URL")


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        message = item["msg"].removeprefix("Value error, ")
        hidden = name.startswith("SECRET") or name in _URLS_WITH_CREDENTIALS or not item["loc"]
        shown = "" if hidden else f" (got {item.get('input')!r})"
        lines.append(f"Invalid setting {name}: {message}{shown}")
    return "\n".join(lines)


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings; raises SettingsError naming each bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


def reload_settings() -> Settings:
    """Forgets the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
    return get_settings()
