"""The user's system prompt for Claude Code in the sandboxes (the `SYSTEM_PROMPT` setting).

Without a stored prompt the built-in default applies. `sandbox_env` delivers the effective
prompt to each sandbox (a file that ~/.claude/CLAUDE.md imports, see the README); Settings
changes it through `agent_settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fullstack_agent import db
from fullstack_agent.services import user_config

MAX_PROMPT_LENGTH = 20_000

# One line per paragraph: it is edited in a text area that wraps by itself.
DEFAULT_SYSTEM_PROMPT = """\
You are working in a Fullstack Agent sandbox: a Linux container with a persistent home directory, where the user builds a full-stack web application together with you.

- Serve the application on port 3000, bound to 0.0.0.0: that port is published at the project's public HTTPS URL. Port 7681 is the web terminal; leave it alone.
- The project has its own PostgreSQL database. Its connection string is in the DATABASE_URL environment variable. Read it from the environment; never write credentials into files that are committed.
- The project's environment variables (set on the project's page) are in the environment as well. Tell the user which ones the application needs rather than inventing values.
- kubectl works against the user's Kubernetes namespace (KUBECONFIG).
- Keep all work under the home directory: it survives restarts, the rest of the container does not.
- Work in small, verifiable steps: run the application and its tests after each change and report what you observed.
"""


class SystemPromptError(ValueError):
    """The prompt cannot be stored; the message is one sentence for the user."""


@dataclass(frozen=True)
class SystemPrompt:
    text: str
    is_default: bool


def effective_text(stored: str | None) -> str:
    """The prompt a sandbox gets for a stored `SYSTEM_PROMPT` value (None: not set)."""
    return stored or DEFAULT_SYSTEM_PROMPT


def effective(session: Session, user_id: str) -> SystemPrompt:
    stored = user_config.get_value(session, user_id, user_config.SYSTEM_PROMPT)
    return SystemPrompt(text=effective_text(stored), is_default=not stored)


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
