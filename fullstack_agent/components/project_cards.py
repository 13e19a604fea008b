"""The pieces of `/projects`: project cards, the empty state and the *New project* dialog."""

from __future__ import annotations

import reflex as rx

from fullstack_agent.components.forms import button_row, cancel_and_submit, dialog_intro, form_field, hint
from fullstack_agent.components.status_badge import status_badge
from fullstack_agent.state.projects import ProjectCard, ProjectsState

PROJECT_PITCH = ("Each project gets a cloud sandbox with Claude Code and a web terminal, plus its own "
                 "PostgreSQL database.")


def new_project_button(**props) -> rx.Component:
    return rx.button(rx.icon("plus", size=16), "New project", on_click=ProjectsState.open_dialog,
                     id="new-project", **props)


def project_card(card: rx.Var[ProjectCard]) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(card.name, size="4", weight="bold", class_name="project-name",
                               overflow="hidden", text_overflow="ellipsis", white_space="nowrap",
                               line_height="1.5", min_width="0", flex="1"),
                    status_badge(card.status),
                    align="center",
                    spacing="3",
                    width="100%",
                ),
                rx.text(
                    rx.cond(card.description != "", card.description, "No description"),
                    size="2",
                    color_scheme="gray",
                    font_style=rx.cond(card.description != "", "normal", "italic"),
                    style={"display": "-webkit-box", "-webkit-line-clamp": "2",
                           "-webkit-box-orient": "vertical", "overflow": "hidden"},
                    min_height="2.6em",
                ),
                rx.hstack(
                    rx.icon("clock", size=13),
                    rx.text("Changed ", card.changed, size="1"),
                    color=rx.color("gray", 10),
                    align="center",
                    spacing="1",
                ),
                spacing="3",
                width="100%",
            ),
            size="2",
            width="100%",
            class_name="project-card",
            _hover={"box-shadow": f"0 0 0 1px {rx.color('accent', 8)}"},
        ),
        href="/projects/" + card.id,
        underline="none",
        color="inherit",
        custom_attrs={"data-project-id": card.id},
        width="100%",
    )


def project_grid() -> rx.Component:
    return rx.grid(
        rx.foreach(ProjectsState.cards, project_card),
        columns=rx.breakpoints(initial="1", sm="2", md="3"),
        spacing="4",
        width="100%",
        id="project-grid",
    )


def empty_state() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(rx.icon("boxes", size=32), width="64px", height="64px", border_radius="50%",
                      background=rx.color("accent", 3), color=rx.color("accent", 11)),
            rx.heading("Start your first project", size="5"),
            rx.text(PROJECT_PITCH, color_scheme="gray", size="2", align="center", max_width="28em"),
            new_project_button(size="3"),
            align="center",
            spacing="4",
        ),
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
        padding_y="4em",
        padding_x="1.5em",
        width="100%",
        id="empty-state",
    )


def _field_error(message: rx.Var[str], error_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.text(rx.icon("circle_alert", size=13), message, color_scheme="red", size="1", id=error_id,
                role="alert", display="flex", align_items="center", gap="4px"),
    )


def _kubeconfig_needed() -> rx.Component:
    return rx.vstack(
        rx.callout.root(
            rx.callout.icon(rx.icon("key_round")),
            rx.callout.text(
                "Projects run in your own Kubernetes namespace, so Fullstack Agent needs your "
                "kubeconfig first. ",
                ProjectsState.kubeconfig_problem,
            ),
            color_scheme="amber",
            width="100%",
            id="kubeconfig-needed",
        ),
        button_row(
            rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
            rx.link(rx.button(rx.icon("settings", size=16), "Open Settings"), href="/settings",
                    id="open-settings"),
        ),
        spacing="4",
        width="100%",
    )


def _create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_field(
                "Name", "project-name",
                rx.input(id="project-name", name="name", placeholder="My shop", auto_focus=True,
                         auto_complete="off", size="3", width="100%",
                         color_scheme=rx.cond(ProjectsState.name_error != "", "red", "gray"),
                         on_blur=ProjectsState.check_name, aria_describedby="name-error"),
                _field_error(ProjectsState.name_error, "name-error"),
                hint("1–64 characters, any language."),
            ),
            form_field(
                "Description", "project-description",
                rx.text_area(id="project-description", name="description", rows="3",
                             placeholder="What will you build? (optional)", size="3", width="100%"),
                _field_error(ProjectsState.description_error, "description-error"),
            ),
            cancel_and_submit("Create project", busy=ProjectsState.creating, submit_id="create-project"),
            spacing="4",
            width="100%",
        ),
        on_submit=ProjectsState.create,
        reset_on_submit=False,
        width="100%",
    )


def new_project_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New project"),
            dialog_intro(PROJECT_PITCH),
            rx.cond(ProjectsState.kubeconfig_problem != "", _kubeconfig_needed(), _create_form()),
            max_width="480px",
            id="new-project-dialog",
        ),
        open=ProjectsState.dialog_open,
        on_open_change=ProjectsState.set_dialog_open,
    )
