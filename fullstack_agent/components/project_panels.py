"""The panels of `/projects/[project_id]`: status, actions, app and terminal, database, variables."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import no_args_event_spec

from fullstack_agent.components.forms import button_row, cancel_and_submit, dialog_intro, form_field, hint
from fullstack_agent.components.status_badge import status_badge
from fullstack_agent.state.project_detail import SECRET_MASK, ProjectDetailState, ResourceRow, VariableRow

State = ProjectDetailState


class TerminalFrame(rx.el.Iframe):
    """An iframe that reports when its document has loaded (for the loading state)."""

    on_load: rx.EventHandler[no_args_event_spec]


def panel(title: str, icon: str, *children: rx.Component, action: rx.Component | None = None,
          **props) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon(icon, size=18, color=rx.color("accent", 11)),
                rx.heading(title, size="4"),
                rx.spacer(),
                action or rx.fragment(),
                align="center",
                spacing="2",
                width="100%",
                wrap="wrap",
            ),
            *children,
            spacing="4",
            width="100%",
        ),
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
        **props,
    )


def _icon_action(icon: str, label: str, on_click, class_name: str = "", **props) -> rx.Component:
    props.setdefault("color_scheme", "gray")
    return rx.tooltip(
        rx.icon_button(rx.icon(icon, size=15), on_click=on_click, variant="ghost", size="2", aria_label=label,
                       class_name=class_name, **props),
        content=label,
    )


def copy_button(on_click, label: str, **props) -> rx.Component:
    return _icon_action("copy", label, on_click, **props)


def _copy_plain(value: rx.Var[str], what: str) -> list:
    return [rx.set_clipboard(value), rx.toast.success(f"{what} copied.")]


def mono(value, **props) -> rx.Component:
    return rx.code(value, variant="ghost", size="2", word_break="break-all", **props)


# ---------------------------------------------------------------- header, actions, delete

def _action_button(action: str, label: str, icon: str, **props) -> rx.Component:
    props.setdefault("on_click", State.run_action(action))
    return rx.cond(
        State.actions.contains(action),
        rx.button(rx.icon(icon, size=16), label,
                  loading=State.busy_action == action, disabled=State.busy_action != "", id=f"action-{action}",
                  **props),
    )


def delete_button() -> rx.Component:
    return _action_button("delete", "Delete", "trash_2", color_scheme="red", variant="soft",
                          on_click=State.set_delete_open(True))


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete ", rx.text.strong(State.name), "?"),
            rx.alert_dialog.description("This permanently deletes, in your Kubernetes namespace:",
                                        font_size="var(--font-size-2)"),
            rx.el.ul(
                rx.foreach(State.doomed, lambda line: rx.el.li(line, font_size="var(--font-size-2)",
                                                               margin_bottom="0.25em")),
                list_style_type="disc",
                padding_left="1.25em",
                margin_y="0.75em",
                id="delete-what",
            ),
            rx.text("This cannot be undone.", size="2", weight="bold", color_scheme="red"),
            button_row(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Delete project", color_scheme="red",
                                                 on_click=State.run_action("delete"),
                                                 id="confirm-delete")),
                margin_top="1em",
            ),
            max_width="520px",
        ),
        open=State.delete_open,
        on_open_change=State.set_delete_open,
    )


def project_header() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow_left", size=14), rx.text("All projects", size="2"), align="center",
                          spacing="1"),
                href="/projects", color_scheme="gray", underline="none"),
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.heading(State.name, size="7", word_break="break-word", id="project-title"),
                    status_badge(State.status, size="3", id="project-status"),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                rx.cond(State.description != "",
                        rx.text(State.description, color_scheme="gray", size="2", white_space="pre-wrap")),
                spacing="2",
                flex="1",
                min_width="0",
            ),
            rx.hstack(
                _action_button("start", "Start", "play"),
                _action_button("stop", "Stop", "square", variant="soft", color_scheme="gray"),
                delete_button(),
                spacing="2",
                wrap="wrap",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="start", sm="start"),
            justify="between",
            spacing="4",
            width="100%",
        ),
        rx.cond(
            State.action_error != "",
            rx.callout(State.action_error, icon="triangle_alert", color_scheme="red", width="100%",
                       id="action-error", role="alert"),
        ),
        delete_dialog(),
        spacing="3",
        width="100%",
    )


# ---------------------------------------------------------------- status and app

def _resource_line(row: rx.Var[ResourceRow]) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row.kind, weight="medium", size="2"),
            status_badge(row.status, size="1"),
            rx.spacer(),
            rx.text(row.changed, size="1", color_scheme="gray", white_space="nowrap"),
            align="center",
            spacing="2",
            width="100%",
        ),
        mono(row.name, color_scheme="gray"),
        rx.cond(
            row.message.lower() != row.status.lower(),
            rx.text(row.message, size="2", color_scheme=rx.cond(row.status == "ERROR", "red", "gray")),
        ),
        spacing="1",
        width="100%",
        custom_attrs={"data-resource": row.kind},
        padding_y="0.6em",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def status_panel() -> rx.Component:
    return panel(
        "Status", "activity",
        rx.vstack(rx.foreach(State.resources, _resource_line), spacing="0", width="100%",
                  id="resource-status"),
    )


def app_panel() -> rx.Component:
    return panel(
        "App", "globe",
        rx.text("Your app in the sandbox, served from port 3000.", size="2", color_scheme="gray"),
        rx.cond(
            State.app_url != "",
            rx.hstack(
                rx.link(State.app_url, href=State.app_url, is_external=True, size="2", word_break="break-all",
                        id="app-url"),
                copy_button(_copy_plain(State.app_url, "App URL"), "Copy app URL"),
                align="center",
                spacing="2",
                width="100%",
            ),
        ),
        rx.cond(~State.sandbox_running,
                rx.text("It answers once the project is running.", size="1", color_scheme="gray")),
    )


# ---------------------------------------------------------------- terminal

def terminal_panel() -> rx.Component:
    open_in_tab = rx.cond(
        State.sandbox_running & (State.terminal_url != ""),
        rx.link(rx.button(rx.icon("external_link", size=15), "Open in new tab", variant="soft", size="2"),
                href=State.terminal_url, is_external=True, id="terminal-new-tab"),
    )
    frame = rx.box(
        TerminalFrame.create(src=State.terminal_url, on_load=State.terminal_ready, title="Terminal",
                             width="100%", height="100%", border="0", id="terminal-frame",
                             allow="clipboard-read; clipboard-write"),
        rx.cond(
            ~State.terminal_loaded,
            rx.center(
                rx.vstack(rx.spinner(size="3"), rx.text("Connecting to the terminal…", size="2"),
                          align="center", spacing="2"),
                position="absolute",
                inset="0",
                background=rx.color("gray", 2),
                id="terminal-loading",
            ),
        ),
        position="relative",
        height=["360px", "420px", "520px"],
        width="100%",
        border_radius="8px",
        overflow="hidden",
        border=f"1px solid {rx.color('gray', 6)}",
        background="#000",
    )
    return panel(
        "Terminal", "square_terminal",
        rx.text("Claude Code and your tools, in the sandbox.", size="2", color_scheme="gray"),
        rx.cond(
            State.sandbox_running & (State.terminal_url != ""),
            frame,
            rx.center(
                rx.text("The terminal is available while the project is running.", size="2",
                        color_scheme="gray", align="center"),
                height="160px",
                width="100%",
                border=f"1px dashed {rx.color('gray', 6)}",
                border_radius="8px",
                id="terminal-unavailable",
            ),
        ),
        action=open_in_tab,
    )


# ---------------------------------------------------------------- database

def _fact(label: str, value, *extra: rx.Component, fact_id: str = "") -> rx.Component:
    return rx.flex(
        rx.text(label, size="2", color_scheme="gray", min_width="96px"),
        rx.hstack(mono(value), *extra, align="center", spacing="2", min_width="0", id=fact_id or None),
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="start", sm="center"),
        spacing=rx.breakpoints(initial="0", sm="3"),
        width="100%",
    )


def _revealed(var: rx.Var[str]) -> rx.Var[str]:
    return rx.cond(var != "", var, SECRET_MASK)


def _pg_block() -> rx.Component:
    facts = State.database
    lines = [
        ("PGHOST", facts.host), ("PGPORT", facts.port), ("PGDATABASE", facts.name), ("PGUSER", facts.user),
        ("PGPASSWORD", _revealed(State.database_password)),
    ]
    return rx.box(
        *[rx.text(rx.text.span(name, color=rx.color("accent", 11)), "=", value, size="2",
                  font_family="var(--code-font-family)", word_break="break-all") for name, value in lines],
        padding="0.75em 1em",
        border_radius="8px",
        background=rx.color("gray", 3),
        width="100%",
        id="pg-variables",
    )


def database_panel() -> rx.Component:
    facts = State.database
    revealed = State.database_password != ""
    reveal = rx.cond(
        revealed,
        rx.button(rx.icon("eye_off", size=15), "Hide", on_click=State.hide_database, variant="soft",
                  color_scheme="gray", size="2", id="hide-database"),
        rx.button(rx.icon("eye", size=15), "Reveal", on_click=State.reveal_database, variant="soft",
                  size="2", id="reveal-database"),
    )
    details = rx.vstack(
        rx.vstack(
            _fact("Host", facts.host, copy_button(_copy_plain(facts.host, "Host"), "Copy host")),
            _fact("Port", facts.port),
            _fact("Database", facts.name),
            _fact("User", facts.user, copy_button(_copy_plain(facts.user, "User"), "Copy user")),
            _fact("Password", _revealed(State.database_password),
                  copy_button(State.copy_database("password"), "Copy password", id="copy-password"),
                  fact_id="database-password"),
            spacing="2",
            width="100%",
        ),
        rx.vstack(
            rx.hstack(rx.text("DATABASE_URL", size="2", weight="medium"), rx.spacer(),
                      copy_button(State.copy_database("url"), "Copy DATABASE_URL", id="copy-url"),
                      align="center", width="100%"),
            rx.box(mono(rx.cond(State.database_url != "", State.database_url, facts.masked_url)),
                   padding="0.75em 1em", border_radius="8px", background=rx.color("gray", 3), width="100%",
                   id="database-url"),
            spacing="2",
            width="100%",
        ),
        rx.vstack(
            rx.hstack(rx.text("PG* variables", size="2", weight="medium"), rx.spacer(),
                      copy_button(State.copy_database("pg"), "Copy PG* variables", id="copy-pg"),
                      align="center", width="100%"),
            _pg_block(),
            spacing="2",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
    return panel(
        "Database", "database",
        rx.text("PostgreSQL, reachable from the sandbox (DATABASE_URL is already set there).", size="2",
                color_scheme="gray"),
        rx.cond(
            facts.ready,
            details,
            rx.hstack(
                rx.spinner(size="2"),
                rx.text("The credentials appear here once the database is running.", size="2",
                        color_scheme="gray"),
                align="center",
                spacing="2",
                id="database-pending",
            ),
        ),
        action=rx.cond(facts.ready, reveal),
        id="database-panel",
    )


# ---------------------------------------------------------------- environment variables

def _variable_value(row: rx.Var[VariableRow]) -> rx.Component:
    return rx.cond(
        row.is_secret,
        mono(rx.cond(State.revealed.contains(row.key), State.revealed[row.key], SECRET_MASK)),
        mono(row.value),
    )


def _variable_line(row: rx.Var[VariableRow]) -> rx.Component:
    shown = State.revealed.contains(row.key)
    secret_tools = rx.cond(
        row.is_secret,
        rx.fragment(
            rx.cond(
                shown,
                _icon_action("eye_off", "Hide", State.hide_variable(row.key), "hide-variable"),
                _icon_action("eye", "Reveal", State.reveal_variable(row.key), "reveal-variable"),
            ),
            copy_button(State.copy_variable(row.key), "Copy value", class_name="copy-variable"),
        ),
        copy_button(_copy_plain(row.value, "Value"), "Copy value", class_name="copy-variable"),
    )
    return rx.flex(
        rx.vstack(
            rx.hstack(
                rx.code(row.key, weight="bold", size="2", word_break="break-all"),
                rx.cond(row.is_secret, rx.badge(rx.icon("lock", size=11), "secret", size="1",
                                                color_scheme="gray", variant="surface")),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.box(_variable_value(row), class_name="variable-value"),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.hstack(
            secret_tools,
            _icon_action("pencil", "Edit", State.open_edit_variable(row.key), "edit-variable"),
            _icon_action("trash_2", "Delete", State.delete_variable(row.key), "delete-variable",
                         color_scheme="red"),
            spacing="3",
            align="center",
        ),
        align="center",
        spacing="3",
        width="100%",
        padding_y="0.6em",
        border_top=f"1px solid {rx.color('gray', 4)}",
        custom_attrs={"data-variable": row.key},
        class_name="variable-row",
    )


def variable_editor() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(State.editor_is_new, "Add variable", "Edit variable")),
            dialog_intro("The sandbox gets it as an environment variable; a running sandbox restarts to apply it."),
            rx.form(
                rx.vstack(
                    form_field(
                        "Name", "variable-key",
                        rx.input(id="variable-key", name="key", default_value=State.editor_key,
                                 disabled=~State.editor_is_new, placeholder="STRIPE_SECRET_KEY",
                                 auto_complete="off", spell_check=False, size="3", width="100%",
                                 font_family="var(--code-font-family)"),
                        hint("Letters, digits and _, not starting with a digit."),
                    ),
                    form_field(
                        "Value", "variable-value",
                        rx.input(id="variable-value", name="value", default_value=State.editor_value,
                                 type=rx.cond(State.editor_secret, "password", "text"), auto_complete="off",
                                 placeholder=rx.cond(State.editor_is_new | ~State.editor_secret, "",
                                                     "Enter a new value"),
                                 size="3", width="100%"),
                    ),
                    rx.el.label(
                        rx.hstack(
                            rx.switch(checked=State.editor_secret, on_change=State.set_editor_secret,
                                      aria_label="Secret"),
                            rx.text("Secret: encrypted, hidden on this page until revealed", size="2"),
                            align="center",
                            spacing="2",
                        ),
                    ),
                    rx.cond(State.editor_error != "",
                            rx.callout(State.editor_error, icon="triangle_alert", color_scheme="red",
                                       width="100%", id="variable-error", role="alert")),
                    cancel_and_submit("Save", busy=State.saving, submit_id="save-variable"),
                    spacing="4",
                    width="100%",
                ),
                on_submit=State.save_variable,
                reset_on_submit=False,
                width="100%",
            ),
            max_width="480px",
            id="variable-dialog",
        ),
        open=State.editor_open,
        on_open_change=State.set_editor_open,
    )


def variables_panel() -> rx.Component:
    return panel(
        "Environment variables", "braces",
        rx.cond(
            State.sandbox_updating,
            rx.callout("The running sandbox is applying the new variables (Updating); it is back in a moment.",
                       icon="refresh_cw", color_scheme="violet", width="100%", id="variables-applying"),
        ),
        rx.cond(
            State.variables.length() > 0,
            rx.vstack(rx.foreach(State.variables, _variable_line), spacing="0", width="100%",
                      id="variable-list"),
            rx.text("No variables yet. Add API keys and settings your app needs; secrets stay encrypted.",
                    size="2", color_scheme="gray", id="no-variables"),
        ),
        variable_editor(),
        action=rx.button(rx.icon("plus", size=15), "Add variable", on_click=State.open_new_variable,
                         size="2", variant="soft", id="add-variable"),
        id="variables-panel",
    )


# ---------------------------------------------------------------- not found

def project_not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search_x", size=40, color=rx.color("gray", 9)),
            rx.heading("Project not found", size="6", id="not-found"),
            rx.text("There is no project at this address, or it belongs to another account.",
                    color_scheme="gray", size="2", align="center"),
            rx.link(rx.button(rx.icon("arrow_left", size=15), "Back to projects", variant="soft"),
                    href="/projects"),
            align="center",
            spacing="3",
        ),
        min_height="50vh",
        width="100%",
    )
