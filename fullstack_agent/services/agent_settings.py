"""What Claude Code in the user's sandboxes is configured with, as Settings changes it (SPEC §5.3,
§8): the Anthropic key, base URL and models, and the system prompt.

The key leaves this module in clear only through `reveal_key`, which the user asks for; every
other answer carries at most its last four characters. Audit events name the settings that
changed, never their values. Any change reaches the user's running sandboxes: they go
UPDATING and get the new environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session

from fullstack_agent import db
from fullstack_agent.models import ConfigSource, UserConfig
from fullstack_agent.services import anthropic_key, audit, key_health, system_prompt, user_config
from fullstack_agent.services.anthropic_key import ProvisioningOutcome
from fullstack_agent.services.key_health import HealthCheck
from fullstack_agent.services.sandbox_env import request_sandbox_updates_for_user
from fullstack_agent.services.system_prompt import DEFAULT_SYSTEM_PROMPT, SystemPrompt

MASK = "••••"
# Shorter keys are shown as dots only: four characters of a short key give too much away.
MIN_LENGTH_FOR_HINT = 12
MAX_KEY_LENGTH = 512
MAX_URL_LENGTH = 2048
MAX_MODEL_LENGTH = 128
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+\-\[\]]*")
_KEY_CHARACTERS = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces

CHANGED_ACTION = "config.anthropic_changed"
KEY_REMOVED_ACTION = "config.key_removed"
KEY_REVEALED_ACTION = "config.key_revealed"
PROMPT_CHANGED_ACTION = "config.system_prompt_changed"

_OPTIONAL_KEYS = (user_config.ANTHROPIC_API, user_config.ANTHROPIC_MODEL, user_config.ANTHROPIC_SMALL_FAST_MODEL)


class AnthropicInputError(ValueError):
    """A value the form sent cannot be stored; the message never repeats a key."""


@dataclass(frozen=True)
class KeySummary:
    last_four: str  # "" when the key is too short to hint at
    source: ConfigSource
    set_at: datetime
    invalid_since: datetime | None

    @property
    def masked(self) -> str:
        return MASK + self.last_four


@dataclass(frozen=True)
class AnthropicSettings:
    key: KeySummary | None
    base_url: str
    model: str
    small_fast_model: str
    sealos_account: bool
    last_provisioning: ProvisioningOutcome | None
    last_health_check: HealthCheck | None


@dataclass(frozen=True)
class AnthropicChange:
    changed: tuple[str, ...]  # the settings written or removed, by name
    sandboxes_updating: int = 0


@dataclass(frozen=True)
class SystemPromptChange:
    prompt: SystemPrompt
    changed: bool
    sandboxes_updating: int = 0


def summarize_key(entry: UserConfig) -> KeySummary:
    key = entry.plain_value
    return KeySummary(last_four=key[-4:] if len(key) >= MIN_LENGTH_FOR_HINT else "", source=entry.source,
                      set_at=entry.updated_at, invalid_since=entry.invalid_since)


def read(user_id: str) -> AnthropicSettings:
    with db.session_scope() as session:
        entries = user_config.get_values(session, user_id, anthropic_key.ANTHROPIC_KEYS)
        key_entry = entries.get(user_config.ANTHROPIC_API_KEY)

        def text(key: str) -> str:
            entry = entries.get(key)
            return entry.plain_value if entry is not None else ""

        return AnthropicSettings(
            key=summarize_key(key_entry) if key_entry is not None else None,
            base_url=text(user_config.ANTHROPIC_API),
            model=text(user_config.ANTHROPIC_MODEL),
            small_fast_model=text(user_config.ANTHROPIC_SMALL_FAST_MODEL),
            sealos_account=anthropic_key.sealos_identity(session, user_id) is not None,
            last_provisioning=anthropic_key.last_outcome(session, user_id),
            last_health_check=key_health.last_check(session, user_id),
        )


def normalize_key(raw: str) -> str:
    key = raw.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise AnthropicInputError(f"The API key is longer than {MAX_KEY_LENGTH} characters.")
    if len(key) < 8 or not _KEY_CHARACTERS.fullmatch(key):
        raise AnthropicInputError("The API key must be at least 8 characters without spaces.")
    return key


def normalize_base_url(raw: str) -> str:
    """'' (no base URL) or an http(s) URL with a host and without credentials."""
    url = raw.strip()
    if not url:
        return ""
    if len(url) > MAX_URL_LENGTH or any(character.isspace() for character in url):
        raise AnthropicInputError("The base URL must be a single http:// or https:// URL.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise AnthropicInputError("The base URL is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not host:
        raise AnthropicInputError("The base URL must start with http:// or https:// and name a host.")
    if parts.username or parts.password:
        raise AnthropicInputError("The base URL must not contain a user name or password.")
    if parts.query or parts.fragment:
        raise AnthropicInputError("The base URL must not have a query (?…) or fragment (#…).")
    return url.rstrip("/")


def normalize_model(raw: str, label: str) -> str:
    model = raw.strip()
    if model and (len(model) > MAX_MODEL_LENGTH or not _MODEL_NAME.fullmatch(model)):
        raise AnthropicInputError(
            f"The {label} must be a model name such as claude-sonnet-4-5 (letters, digits, . _ - : / @).")
    return model


def _propagate(session: Session, user_id: str, changed: list[str]) -> AnthropicChange:
    if not changed:
        return AnthropicChange(changed=())
    return AnthropicChange(changed=tuple(changed),
                           sandboxes_updating=request_sandbox_updates_for_user(session, user_id))


def save(user_id: str, *, api_key: str, base_url: str, model: str, small_fast_model: str) -> AnthropicChange:
    """Stores the form: a non-empty `api_key` replaces the key (source manual); the other
    fields are stored as given, and an empty one removes its setting. Nothing changes
    unless every value is valid."""
    new_key = normalize_key(api_key) if api_key.strip() else ""
    wanted = {
        user_config.ANTHROPIC_API: normalize_base_url(base_url),
        user_config.ANTHROPIC_MODEL: normalize_model(model, "model"),
        user_config.ANTHROPIC_SMALL_FAST_MODEL: normalize_model(small_fast_model, "small fast model"),
    }
    changed: list[str] = []
    with db.session_scope() as session:
        loaded = user_config.get_values(session, user_id, anthropic_key.ANTHROPIC_KEYS)
        current_key = loaded.get(user_config.ANTHROPIC_API_KEY)
        if new_key and (current_key is None or current_key.source is not ConfigSource.manual
                        or current_key.plain_value != new_key):
            user_config.set_value(session, user_id, user_config.ANTHROPIC_API_KEY, new_key,
                                  source=ConfigSource.manual, loaded=loaded)
            audit.record(session, user_id, anthropic_key.KEY_WRITTEN_ACTION, target=user_config.ANTHROPIC_API_KEY,
                         detail=f"source {ConfigSource.manual.value}")
            changed.append(user_config.ANTHROPIC_API_KEY)
        for key in _OPTIONAL_KEYS:
            entry, value = loaded.get(key), wanted[key]
            if not value:
                if entry is not None:
                    session.delete(entry)
                    changed.append(key)
            elif entry is None or entry.plain_value != value:
                user_config.set_value(session, user_id, key, value, source=ConfigSource.manual, loaded=loaded)
                changed.append(key)
        settings_changed = [key for key in changed if key != user_config.ANTHROPIC_API_KEY]
        if settings_changed:
            audit.record(session, user_id, CHANGED_ACTION, target="anthropic", detail=", ".join(settings_changed))
        return _propagate(session, user_id, changed)


def remove_key(user_id: str) -> AnthropicChange:
    """Deletes the key; sandboxes then run without ANTHROPIC_AUTH_TOKEN."""
    with db.session_scope() as session:
        entry = user_config.get_entry(session, user_id, user_config.ANTHROPIC_API_KEY)
        if entry is None:
            return AnthropicChange(changed=())
        audit.record(session, user_id, KEY_REMOVED_ACTION, target=user_config.ANTHROPIC_API_KEY,
                     detail=f"source {entry.source.value}")
        session.delete(entry)
        return _propagate(session, user_id, [user_config.ANTHROPIC_API_KEY])


def reveal_key(user_id: str) -> str:
    """The key in clear, for the user who asked to see it ('' when there is none)."""
    with db.session_scope() as session:
        entry = user_config.get_entry(session, user_id, user_config.ANTHROPIC_API_KEY)
        if entry is None:
            return ""
        audit.record(session, user_id, KEY_REVEALED_ACTION, target=user_config.ANTHROPIC_API_KEY)
        return entry.plain_value


def save_system_prompt(user_id: str, raw: str) -> SystemPromptChange:
    """Stores the prompt; the default text (what `reset_system_prompt` saves) removes the
    setting instead, so a later change of the built-in default reaches the user."""
    text = system_prompt.normalize(raw)
    with db.session_scope() as session:
        entry = user_config.get_entry(session, user_id, user_config.SYSTEM_PROMPT)
        before = entry.plain_value if entry is not None else DEFAULT_SYSTEM_PROMPT
        is_default = text == DEFAULT_SYSTEM_PROMPT
        if text == before:
            return SystemPromptChange(prompt=SystemPrompt(text, entry is None), changed=False)
        if is_default:
            session.delete(entry)
            detail = "reset to the default"
        else:
            user_config.set_value(session, user_id, user_config.SYSTEM_PROMPT, text, source=ConfigSource.manual)
            detail = f"{len(text):,} characters"
        audit.record(session, user_id, PROMPT_CHANGED_ACTION, target=user_config.SYSTEM_PROMPT, detail=detail)
        return SystemPromptChange(prompt=SystemPrompt(text, is_default), changed=True,
                                  sandboxes_updating=request_sandbox_updates_for_user(session, user_id))


def reset_system_prompt(user_id: str) -> SystemPromptChange:
    return save_system_prompt(user_id, DEFAULT_SYSTEM_PROMPT)
