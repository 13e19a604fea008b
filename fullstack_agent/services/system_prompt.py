"""The user's system prompt for Claude Code in the sandboxes (the `SYSTEM_PROMPT` setting).

Without a stored prompt the built-in default applies; saving the default text or resetting
removes the setting. How the prompt reaches a sandbox is `sandbox_env`'s business (see the
README, "System prompt"); a change makes the user's running sandboxes apply it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fullstack_agent import db
from fullstack_agent.models import ConfigSource
from fullstack_agent.services import audit, user_config
from fullstack_agent.services.sandbox_env import request_sandbox_updates_for_user

MAX_PROMPT_LENGTH = 20_000
CHANGED_ACTION = "config.system_prompt_changed"

DEFAULT_SYSTEM_PROMPT = """\
You are working in a Fullstack Agent sandbox: a Linux container with a persistent home
directory, where the user builds a full-stack web application together with you.

- Serve the application on port 3000, bound to 0.0.0.0: that port is published at the
  project's public HTTPS URL. Port 7681 is the web terminal; leave it alone.
- The project has its own PostgreSQL database. Its connection string is in the DATABASE_URL
  environment variable. Read it from the environment; never write credentials into files
  that are committed.
- The project's environment variables (set on the project's page) are in the environment
  as well. Tell the user which ones the application needs rather than inventing values.
- kubectl works against the user's Kubernetes namespace (KUBECONFIG).
- Keep all work under the home directory: it survives restarts, the rest of the container
  does not.
- Work in small, verifiable steps: run the application and its tests after each change and
  report what you observed.
"""


class SystemPromptError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SystemPrompt:
    text: str
    is_default: bool


@dataclass(frozen=True)
class SystemPromptChange:
    prompt: SystemPrompt
    changed: bool
    sandboxes_updating: int = 0


def effective(session: Session, user_id: str) -> SystemPrompt:
    stored = user_config.get_value(session, user_id, user_config.SYSTEM_PROMPT)
    return SystemPrompt(text=stored, is_default=False) if stored else SystemPrompt(DEFAULT_SYSTEM_PROMPT, True)


def read(user_id: str) -> SystemPrompt:
    with db.session_scope() as session:
        return effective(session, user_id)


def normalize(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise SystemPromptError("The system prompt is empty. Use Reset to default to go back to the built-in one.")
    if len(text) > MAX_PROMPT_LENGTH:
        raise SystemPromptError(f"The system prompt is longer than {MAX_PROMPT_LENGTH:,} characters.")
    return text + "\n"


def save(user_id: str, raw: str) -> SystemPromptChange:
    """Stores the prompt; the default text (or `reset`) removes the setting instead."""
    text = normalize(raw)
    with db.session_scope() as session:
        entry = user_config.get_entry(session, user_id, user_config.SYSTEM_PROMPT)
        before = entry.plain_value if entry is not None else DEFAULT_SYSTEM_PROMPT
        if text == before:
            return SystemPromptChange(prompt=SystemPrompt(text, entry is None), changed=False)
        if text == DEFAULT_SYSTEM_PROMPT:
            session.delete(entry)
            detail = "reset to the default"
        else:
            user_config.set_value(session, user_id, user_config.SYSTEM_PROMPT, text, source=ConfigSource.manual)
            detail = f"{len(text):,} characters"
        audit.record(session, user_id, CHANGED_ACTION, target=user_config.SYSTEM_PROMPT, detail=detail)
        return SystemPromptChange(prompt=SystemPrompt(text, text == DEFAULT_SYSTEM_PROMPT), changed=True,
                                  sandboxes_updating=request_sandbox_updates_for_user(session, user_id))


def reset(user_id: str) -> SystemPromptChange:
    return save(user_id, DEFAULT_SYSTEM_PROMPT)
