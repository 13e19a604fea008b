"""`/projects/[project_id]`: one project's status, actions, terminal, database and variables.

Secrets (the database password and URL, secret variables) are never part of the page's
state until the user reveals them; copying fetches them on demand and hands them to the
clipboard without keeping them. Every handler re-checks the session and passes the user's
id to the services, which answer "not found" for another user's project.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

import reflex as rx
from sqlmodel import Session

from fullstack_agent.models import Database, ResourceStatus, Sandbox, utcnow
from fullstack_agent.services import environment, project_watch, projects
from fullstack_agent.state.live import LiveState
from fullstack_agent.state.service_calls import in_transaction, time_ago

LOADING, FOUND, MISSING = "loading", "found", "missing"
SECRET_MASK = "••••••••"
ACTION_ORDER = (projects.ProjectAction.START, projects.ProjectAction.STOP, projects.ProjectAction.DELETE)
_ACTIONS = {
    projects.ProjectAction.START: projects.start_project,
    projects.ProjectAction.STOP: projects.stop_project,
    projects.ProjectAction.DELETE: projects.delete_project,
}


@dataclasses.dataclass(frozen=True)
class ResourceRow:
    kind: str  # "Sandbox" / "Database"
    name: str  # the Kubernetes name
    status: str
    message: str
    changed: str


@dataclasses.dataclass(frozen=True)
class VariableRow:
    key: str
    value: str  # "" for a secret: its value is fetched only when revealed
    is_secret: bool


@dataclasses.dataclass(frozen=True)
class DatabaseFacts:
    """The database panel's non-secret part."""

    ready: bool = False
    host: str = ""
    port: str = ""
    name: str = ""
    user: str = ""
    masked_url: str = ""


@dataclasses.dataclass(frozen=True)
class ProjectView:
    name: str
    description: str
    status: str
    actions: list[str]
    resources: list[ResourceRow]
    app_url: str
    terminal_url: str
    sandbox_running: bool
    sandbox_updating: bool
    database: DatabaseFacts
    doomed: list[str]  # what Delete destroys, one line per thing
    fingerprint: project_watch.StatusFingerprint | None


def _resource_row(kind: str, name: str, resource: Sandbox | Database, now) -> ResourceRow:
    return ResourceRow(kind=kind, name=name, status=resource.status.value, message=resource.status_message,
                       changed=time_ago(resource.status_changed_at, now))


def _database_facts(database: Database | None) -> DatabaseFacts:
    if database is None or not database.connection_url:
        return DatabaseFacts()
    port = str(database.port or 5432)
    masked = f"postgresql://{quote(database.username, safe='')}:{SECRET_MASK}@{database.host}:{port}/{database.database}"
    return DatabaseFacts(ready=True, host=database.host, port=port, name=database.database,
                         user=database.username, masked_url=masked)


def _doomed(sandbox: Sandbox | None, database: Database | None) -> list[str]:
    lines = []
    if sandbox is not None:
        lines.append(f"the sandbox {sandbox.sandbox_name}: its StatefulSet, Service and both Ingresses "
                     "(the app and terminal URLs stop working)")
        lines.append(f"the sandbox's home volume ({sandbox.storage_size}) with every file in it")
    if database is not None:
        lines.append(f"the PostgreSQL database {database.cluster_name} ({database.storage_size}) "
                     "with all its data")
    lines.append("the project's environment variables")
    return lines


def _project_view(session: Session, user_id: str, project_id: str) -> ProjectView:
    detail = projects.get_project(session, user_id, project_id)
    sandbox, database, now = detail.sandbox, detail.database, utcnow()
    resources = []
    if sandbox is not None:
        resources.append(_resource_row("Sandbox", sandbox.sandbox_name, sandbox, now))
    if database is not None:
        resources.append(_resource_row("Database", database.cluster_name, database, now))
    return ProjectView(
        name=detail.project.name, description=detail.project.description,
        status=detail.project.status.value,
        actions=[action.value for action in ACTION_ORDER if action in detail.actions],
        resources=resources,
        app_url=sandbox.public_url if sandbox is not None else "",
        terminal_url=detail.terminal_url,
        sandbox_running=sandbox is not None and sandbox.status is ResourceStatus.RUNNING,
        sandbox_updating=sandbox is not None and sandbox.status is ResourceStatus.UPDATING,
        database=_database_facts(database),
        doomed=_doomed(sandbox, database),
        fingerprint=project_watch.status_fingerprint(session, user_id, project_id),
    )


def _variable_rows(session: Session, user_id: str, project_id: str) -> list[VariableRow]:
    return [VariableRow(key=entry.key, value="" if entry.is_secret else entry.plain_value,
                        is_secret=entry.is_secret)
            for entry in environment.list_variables(session, user_id, project_id)]


def _page(session: Session, user_id: str, project_id: str) -> tuple[ProjectView, list[VariableRow]]:
    return _project_view(session, user_id, project_id), _variable_rows(session, user_id, project_id)


def _variable_value(session: Session, user_id: str, project_id: str, key: str) -> str | None:
    for entry in environment.list_variables(session, user_id, project_id):
        if entry.key == key:
            return entry.plain_value
    return None


def _pg_variables(connection: projects.DatabaseConnection) -> str:
    return "\n".join(f"{name}={value}" for name, value in (
        ("PGHOST", connection.host), ("PGPORT", connection.port), ("PGDATABASE", connection.database),
        ("PGUSER", connection.username), ("PGPASSWORD", connection.password)))


_COPYABLE = {
    "password": ("Password", lambda connection: connection.password),
    "url": ("DATABASE_URL", lambda connection: connection.url),
    "pg": ("PG* variables", _pg_variables),
}


def _act(session: Session, user_id: str, project_id: str, action: projects.ProjectAction) -> None:
    _ACTIONS[action](session, user_id, project_id)


def _save_variable(session: Session, user_id: str, project_id: str, key: str, value: str,
                   is_secret: bool) -> str:
    return environment.set_variable(session, user_id, project_id, key, value, is_secret=is_secret).key


def _delete_variable(session: Session, user_id: str, project_id: str, key: str) -> bool:
    return environment.delete_variable(session, user_id, project_id, key)


class ProjectDetailState(LiveState):
    view: str = LOADING
    name: str = ""
    description: str = ""
    status: str = ""
    actions: list[str] = []
    resources: list[ResourceRow] = []
    app_url: str = ""
    terminal_url: str = ""
    terminal_loaded: bool = False
    sandbox_running: bool = False
    sandbox_updating: bool = False
    database: DatabaseFacts = DatabaseFacts()
    doomed: list[str] = []
    busy_action: str = ""
    action_error: str = ""
    delete_open: bool = False

    # Revealed secrets: present only after the user asked for them.
    database_password: str = ""
    database_url: str = ""
    revealed: dict[str, str] = {}

    variables: list[VariableRow] = []
    editor_open: bool = False
    editor_is_new: bool = True
    editor_key: str = ""
    editor_value: str = ""
    editor_secret: bool = False
    editor_error: str = ""
    saving: bool = False

    # The project this tab shows, set by `load` only after the ownership check passed.
    _project_id: str = ""
    _fingerprint: tuple[str, ...] | None = None

    # ------------------------------------------------------------ loading and polling

    def _forget(self, view: str) -> None:
        """Drops everything shown of a project (leaving it, or when it is not found)."""
        self.view = view
        self._project_id, self._fingerprint = "", None
        self.name = self.description = self.status = ""
        self.app_url = self.terminal_url = ""
        self.actions, self.resources, self.doomed, self.variables = [], [], [], []
        self.database = DatabaseFacts()
        self.sandbox_running = self.sandbox_updating = self.terminal_loaded = False
        self.database_password = self.database_url = ""
        self.revealed = {}
        self.busy_action = self.action_error = ""
        self.delete_open = self.editor_open = False

    def _show(self, view: ProjectView) -> None:
        if view.terminal_url != self.terminal_url:
            self.terminal_loaded = False
        self.name, self.description, self.status = view.name, view.description, view.status
        self.actions, self.resources, self.doomed = view.actions, view.resources, view.doomed
        self.app_url, self.terminal_url = view.app_url, view.terminal_url
        self.sandbox_running, self.sandbox_updating = view.sandbox_running, view.sandbox_updating
        if view.database != self.database:
            self.database = view.database
            self.database_password = self.database_url = ""
        self._fingerprint = view.fingerprint
        self.view = FOUND

    @rx.event
    async def load(self):
        """on_load: the project of the URL, if it is the signed-in user's."""
        self._forget(LOADING)
        user_id = await self._checked_user_id()
        if user_id is None:
            return rx.redirect("/login", replace=True)
        requested = str(self.project_id or "")
        try:
            view, variables = await in_transaction(_page, user_id, requested)
        except projects.ProjectNotFound:
            self._forget(MISSING)
            return
        self._project_id = requested
        self._show(view)
        self.variables = variables

    async def _refresh(self, user_id: str) -> None:
        try:
            view = await in_transaction(_project_view, user_id, self._project_id)
        except projects.ProjectNotFound:
            self._forget(MISSING)
            return
        self._show(view)

    async def _refresh_variables(self, user_id: str) -> None:
        try:
            self.variables = await in_transaction(_variable_rows, user_id, self._project_id)
        except projects.ProjectNotFound:
            self._forget(MISSING)

    @rx.event
    async def poll(self):
        """A StatusPoller tick: one query; the page reloads only when something changed."""
        if self.view != FOUND:
            return
        user_id = await self._polling_user_id()
        if user_id is None:
            return rx.redirect("/login", replace=True)
        fingerprint = await in_transaction(project_watch.status_fingerprint, user_id, self._project_id)
        if fingerprint is None:
            self._forget(MISSING)
        elif fingerprint != self._fingerprint:
            await self._refresh(user_id)

    @rx.event
    def terminal_ready(self):
        self.terminal_loaded = True

    # ------------------------------------------------------------ start / stop / delete

    @rx.event
    async def run_action(self, action: str):
        try:
            wanted = projects.ProjectAction(action)
        except ValueError:
            return
        user_id = await self._checked_user_id()
        if user_id is None:
            yield rx.redirect("/login", replace=True)
            return
        self.busy_action, self.action_error = wanted.value, ""
        yield
        try:
            await in_transaction(_act, user_id, self._project_id, wanted)
        except projects.ProjectNotFound:
            self._forget(MISSING)
            return
        except projects.ProjectError as error:
            self.action_error = str(error)
            await self._refresh(user_id)
            return
        finally:
            self.busy_action = ""
        if wanted is projects.ProjectAction.DELETE:
            name = self.name
            self._forget(LOADING)
            yield rx.toast.info(f'Deleting "{name}".')
            yield rx.redirect("/projects")
            return
        await self._refresh(user_id)

    @rx.event
    def set_delete_open(self, is_open: bool):
        self.delete_open = bool(is_open) and self.view == FOUND

    # ------------------------------------------------------------ database credentials

    async def _connection(self) -> projects.DatabaseConnection | None:
        user_id = await self._checked_user_id()
        if user_id is None:
            return None
        try:
            return await in_transaction(projects.database_connection, user_id, self._project_id)
        except projects.ProjectNotFound:
            self._forget(MISSING)
            return None

    @rx.event
    async def reveal_database(self):
        connection = await self._connection()
        if connection is not None:
            self.database_password, self.database_url = connection.password, connection.url

    @rx.event
    def hide_database(self):
        self.database_password = self.database_url = ""

    @rx.event
    async def copy_database(self, what: str):
        """Copies the password, the URL or the PG* variables (`what`: password / url / pg)."""
        if what not in _COPYABLE:
            return
        connection = await self._connection()
        if connection is not None:
            label, pick = _COPYABLE[what]
            return [rx.set_clipboard(pick(connection)), rx.toast.success(f"{label} copied.")]

    # ------------------------------------------------------------ environment variables

    async def _secret_variable(self, key: str) -> str | None:
        user_id = await self._checked_user_id()
        if user_id is None:
            return None
        try:
            return await in_transaction(_variable_value, user_id, self._project_id, str(key))
        except projects.ProjectNotFound:
            self._forget(MISSING)
            return None

    @rx.event
    async def reveal_variable(self, key: str):
        value = await self._secret_variable(key)
        if value is not None:
            self.revealed = {**self.revealed, key: value}

    @rx.event
    def hide_variable(self, key: str):
        self._forget_revealed(key)

    def _forget_revealed(self, key: str) -> None:
        self.revealed = {name: value for name, value in self.revealed.items() if name != key}

    @rx.event
    async def copy_variable(self, key: str):
        value = await self._secret_variable(key)
        if value is not None:
            return [rx.set_clipboard(value), rx.toast.success(f"{key} copied.")]

    @rx.event
    def open_new_variable(self):
        self.editor_is_new, self.editor_key, self.editor_value = True, "", ""
        self.editor_secret, self.editor_error, self.editor_open = False, "", True

    @rx.event
    def open_edit_variable(self, key: str):
        row = next((row for row in self.variables if row.key == key), None)
        if row is None:
            return
        self.editor_is_new, self.editor_key = False, row.key
        # A hidden secret is not sent to the browser for editing: the user types a new value.
        self.editor_value = self.revealed.get(row.key, "") if row.is_secret else row.value
        self.editor_secret, self.editor_error, self.editor_open = row.is_secret, "", True

    @rx.event
    def set_editor_open(self, is_open: bool):
        if not self.saving:
            self.editor_open = bool(is_open)
            if not self.editor_open:
                self.editor_value = ""

    @rx.event
    def set_editor_secret(self, is_secret: bool):
        self.editor_secret = bool(is_secret)

    @rx.event
    async def save_variable(self, form: dict):
        key = self.editor_key if not self.editor_is_new else str(form.get("key", ""))
        value = str(form.get("value", ""))
        if not self.editor_is_new and self.editor_secret and not value and key not in self.revealed:
            self.editor_error = "Enter the new value (the current one stays hidden)."
            return
        user_id = await self._checked_user_id()
        if user_id is None:
            yield rx.redirect("/login", replace=True)
            return
        self.saving, self.editor_error = True, ""
        yield
        try:
            saved_key = await in_transaction(_save_variable, user_id, self._project_id, key, value,
                                             self.editor_secret)
        except projects.ProjectNotFound:
            self._forget(MISSING)
            return
        except projects.ProjectError as error:
            self.editor_error = str(error)
            return
        finally:
            self.saving = False
        self.editor_open, self.editor_value = False, ""
        self._forget_revealed(saved_key)
        await self._refresh_variables(user_id)
        await self._refresh(user_id)
        yield rx.toast.success(f"{saved_key} saved." + self._applying_note())

    @rx.event
    async def delete_variable(self, key: str):
        user_id = await self._checked_user_id()
        if user_id is None:
            return rx.redirect("/login", replace=True)
        try:
            deleted = await in_transaction(_delete_variable, user_id, self._project_id, str(key))
        except projects.ProjectNotFound:
            self._forget(MISSING)
            return
        except projects.ProjectError as error:
            return rx.toast.error(str(error))
        self._forget_revealed(key)
        await self._refresh_variables(user_id)
        await self._refresh(user_id)
        if deleted:
            return rx.toast.success(f"{key} deleted." + self._applying_note())

    def _applying_note(self) -> str:
        return " The running sandbox is applying the change." if self.sandbox_updating else ""
