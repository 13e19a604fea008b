"""`/projects`: the user's project cards, live statuses and the *New project* dialog."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from fullstack_agent.models import Project, utcnow
from fullstack_agent.services import projects, user_config
from fullstack_agent.state.live import LiveState
from fullstack_agent.state.service_calls import in_transaction, time_ago


@dataclasses.dataclass(frozen=True)
class ProjectCard:
    id: str
    name: str
    description: str
    status: str
    changed: str  # "3 min ago"


def _cards(rows: list[Project]) -> list[ProjectCard]:
    now = utcnow()
    return [ProjectCard(id=row.id, name=row.name, description=row.description, status=row.status.value,
                        changed=time_ago(row.updated_at, now)) for row in rows]


def _list_cards(session: Session, user_id: str) -> list[ProjectCard]:
    return _cards(projects.list_projects(session, user_id))


def _has_kubeconfig(session: Session, user_id: str) -> bool:
    return user_config.get_entry(session, user_id, user_config.KUBECONFIG) is not None


def _create(session: Session, user_id: str, name: str, description: str) -> str:
    return projects.create_project(session, user_id, name, description).id


def _problem(validate: Callable[[str], str], value: str) -> str:
    """The validator's message for `value`, "" when it is fine."""
    try:
        validate(value)
    except projects.ProjectError as error:
        return str(error)
    return ""


class ProjectsState(LiveState):
    cards: list[ProjectCard] = []
    loaded: bool = False
    dialog_open: bool = False
    creating: bool = False
    name_error: str = ""
    description_error: str = ""
    # Set when creating needs a (usable) kubeconfig first; the dialog links to Settings.
    kubeconfig_problem: str = ""

    @rx.event
    async def load(self):
        user_id = await self._checked_user_id()
        if user_id is None:
            return rx.redirect("/login", replace=True)
        self.cards = await in_transaction(_list_cards, user_id)
        self.loaded = True

    @rx.event
    async def poll(self):
        """A StatusPoller tick: one query; the cards change only when a project did."""
        user_id = await self._polling_user_id()
        if user_id is None:
            return rx.redirect("/login", replace=True)
        cards = await in_transaction(_list_cards, user_id)
        if cards != self.cards:
            self.cards = cards

    @rx.event
    async def open_dialog(self):
        user_id = await self._checked_user_id()
        if user_id is None:
            return rx.redirect("/login", replace=True)
        has_kubeconfig = await in_transaction(_has_kubeconfig, user_id)
        self.name_error = self.description_error = ""
        self.kubeconfig_problem = "" if has_kubeconfig else "You have not added a kubeconfig yet."
        self.creating = False
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, is_open: bool):
        if not self.creating:
            self.dialog_open = bool(is_open)

    @rx.event
    def check_name(self, name: str):
        """Inline validation when the name field loses focus."""
        self.name_error = _problem(projects.validate_project_name, str(name))

    @rx.event
    async def create(self, form: dict):
        user_id = await self._checked_user_id()
        if user_id is None:
            yield rx.redirect("/login", replace=True)
            return
        name, description = str(form.get("name", "")), str(form.get("description", ""))
        self.name_error = _problem(projects.validate_project_name, name)
        self.description_error = _problem(projects.validate_description, description)
        if self.name_error or self.description_error:
            return
        self.creating = True
        yield
        try:
            await in_transaction(_create, user_id, name, description)
        except projects.KubeconfigRequired as error:
            self.kubeconfig_problem = str(error)
        except projects.ProjectError as error:
            # What remains is about the name (a duplicate; no free slug).
            self.name_error = str(error)
        else:
            self.dialog_open = False
            self.cards = await in_transaction(_list_cards, user_id)
            yield rx.toast.success(f'Creating "{name.strip()}": the sandbox and database are on their way.')
        finally:
            self.creating = False
