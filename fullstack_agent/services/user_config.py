"""Per-user settings (`user_config` rows): the kubeconfig, the Anthropic key and friends."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, select

from fullstack_agent.models import ConfigCategory, ConfigSource, UserConfig

KUBECONFIG = "KUBECONFIG"
ANTHROPIC_API_KEY = "ANTHROPIC_API_KEY"
ANTHROPIC_API = "ANTHROPIC_API"
ANTHROPIC_MODEL = "ANTHROPIC_MODEL"
ANTHROPIC_SMALL_FAST_MODEL = "ANTHROPIC_SMALL_FAST_MODEL"
SYSTEM_PROMPT = "SYSTEM_PROMPT"
# Not a setting the user edits: the key-health job's last outcome (services/key_health.py).
KEY_HEALTH = "KEY_HEALTH"

# key -> (category, is_secret), SPEC §3
KNOWN_KEYS: dict[str, tuple[ConfigCategory, bool]] = {
    KUBECONFIG: (ConfigCategory.kc, True),
    ANTHROPIC_API_KEY: (ConfigCategory.anthropic, True),
    ANTHROPIC_API: (ConfigCategory.anthropic, False),
    ANTHROPIC_MODEL: (ConfigCategory.anthropic, False),
    ANTHROPIC_SMALL_FAST_MODEL: (ConfigCategory.anthropic, False),
    SYSTEM_PROMPT: (ConfigCategory.general, False),
    KEY_HEALTH: (ConfigCategory.anthropic, False),
}


def get_entry(session: Session, user_id: str, key: str) -> UserConfig | None:
    return session.exec(select(UserConfig).where(UserConfig.user_id == user_id, UserConfig.key == key)).first()


def get_value(session: Session, user_id: str, key: str) -> str | None:
    entry = get_entry(session, user_id, key)
    return entry.plain_value if entry else None


def get_values(session: Session, user_id: str, keys: tuple[str, ...] | None = None) -> dict[str, UserConfig]:
    statement = select(UserConfig).where(UserConfig.user_id == user_id)
    if keys is not None:
        statement = statement.where(UserConfig.key.in_(keys))
    return {entry.key: entry for entry in session.exec(statement)}


def set_value(session: Session, user_id: str, key: str, plain: str, *, source: ConfigSource,
              loaded: Mapping[str, UserConfig] | None = None) -> UserConfig:
    """Inserts or updates one setting, encrypting it when its key is secret.

    `loaded`: the user's rows the caller already read (`get_values`); a key missing from
    it is taken as absent, which saves a SELECT per key on hot paths such as sign-in.
    """
    category, is_secret = KNOWN_KEYS.get(key, (ConfigCategory.general, False))
    entry = loaded.get(key) if loaded is not None else get_entry(session, user_id, key)
    if entry is None:
        entry = UserConfig(user_id=user_id, key=key, value="", category=category, is_secret=is_secret)
    entry.category, entry.is_secret, entry.source = category, is_secret, source
    entry.plain_value = plain
    entry.invalid_since = None
    session.add(entry)
    return entry


def delete_value(session: Session, user_id: str, key: str) -> bool:
    entry = get_entry(session, user_id, key)
    if entry is None:
        return False
    session.delete(entry)
    return True
