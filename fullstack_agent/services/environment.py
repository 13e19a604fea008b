"""A project's environment variables (SPEC §8 project page): list, set, delete.

Keys are trimmed and must be valid environment variable names; secret values are encrypted
at rest. Saving or deleting a variable makes the project's sandbox apply its environment
again (a RUNNING sandbox goes UPDATING). The terminal token is managed by the platform and
is neither listed nor editable here.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from fullstack_agent.models import Environment, EnvironmentCategory
from fullstack_agent.services import audit
from fullstack_agent.services.projects import (
    TTYD_ACCESS_TOKEN,
    ProjectError,
    ProjectNotFound,
    get_owned_project,
    lock_project,
)
from fullstack_agent.services.sandbox_env import request_env_refresh

KEY_MAX = 255
VALUE_MAX = 32 * 1024
_KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESERVED_KEYS = frozenset({TTYD_ACCESS_TOKEN})
USER_CATEGORIES = frozenset(EnvironmentCategory) - {EnvironmentCategory.ttyd}


class VariableError(ProjectError):
    """A variable that cannot be saved; the message is for the user."""


def normalize_key(key: str) -> str:
    """The trimmed key; raises VariableError unless it is a valid variable name."""
    trimmed = (key or "").strip()
    if not trimmed:
        raise VariableError("Enter a variable name.")
    if len(trimmed) > KEY_MAX:
        raise VariableError(f"A variable name has at most {KEY_MAX} characters.")
    if not _KEY_PATTERN.match(trimmed):
        raise VariableError(f'"{trimmed[:40]}" is not a valid variable name: use letters, digits and _, '
                            "not starting with a digit.")
    if trimmed in RESERVED_KEYS:
        raise VariableError(f"{trimmed} is managed by Fullstack Agent and cannot be changed.")
    return trimmed


def _locked_owned(session: Session, user_id: str, project_id: str) -> None:
    if lock_project(session, project_id, user_id) is None:
        raise ProjectNotFound()


def _entry(session: Session, project_id: str, key: str) -> Environment | None:
    return session.exec(select(Environment).where(Environment.project_id == project_id,
                                                  Environment.key == key)).first()


def list_variables(session: Session, user_id: str, project_id: str) -> list[Environment]:
    """The project's variables by key (values via `.plain_value`; check `.is_secret` before showing)."""
    get_owned_project(session, user_id, project_id)
    statement = (select(Environment)
                 .where(Environment.project_id == project_id, Environment.category != EnvironmentCategory.ttyd)
                 .order_by(col(Environment.key)))
    return list(session.exec(statement))


def set_variable(session: Session, user_id: str, project_id: str, key: str, value: str, *,
                 is_secret: bool = False, category: EnvironmentCategory | None = None) -> Environment:
    """Adds or replaces a variable and asks the sandbox to apply it.

    `category` defaults to `secret` for secrets and `general` otherwise. Raises VariableError
    (bad key, value too long, reserved key or category) or ProjectNotFound.
    """
    normalized = normalize_key(key)
    value = value if value is not None else ""
    if len(value) > VALUE_MAX:
        raise VariableError(f"A value has at most {VALUE_MAX} characters.")
    category = category or (EnvironmentCategory.secret if is_secret else EnvironmentCategory.general)
    if category not in USER_CATEGORIES:
        raise VariableError(f"Variables cannot have the category {category.value}.")
    _locked_owned(session, user_id, project_id)
    entry = _entry(session, project_id, normalized)
    if entry is None:
        entry = Environment(project_id=project_id, key=normalized, value="")
    entry.category, entry.is_secret = category, is_secret
    entry.plain_value = value
    session.add(entry)
    session.flush()
    request_env_refresh(session, project_id)
    audit.record(session, user_id, "project.variable.set", target=project_id,
                 detail=f"{normalized} ({'secret' if is_secret else category.value})")
    return entry


def delete_variable(session: Session, user_id: str, project_id: str, key: str) -> bool:
    """Removes a variable (the sandbox drops it when it applies its environment).
    Returns False when there was no such variable."""
    normalized = normalize_key(key)
    _locked_owned(session, user_id, project_id)
    entry = _entry(session, project_id, normalized)
    if entry is None:
        return False
    session.delete(entry)
    session.flush()
    request_env_refresh(session, project_id)
    audit.record(session, user_id, "project.variable.delete", target=project_id, detail=normalized)
    return True
