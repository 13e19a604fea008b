"""`/projects/[project_id]`: one project, its terminal, database and variables."""

import reflex as rx

from fullstack_agent.components.account import signed_in_page
from fullstack_agent.components.layout import PRODUCT_NAME
from fullstack_agent.components.live_updates import status_poller
from fullstack_agent.components.project_panels import (
    app_panel,
    database_panel,
    project_header,
    project_not_found,
    status_panel,
    terminal_panel,
    variables_panel,
)
from fullstack_agent.state.auth import AuthState
from fullstack_agent.state.project_detail import FOUND, MISSING, ProjectDetailState


def _project() -> rx.Component:
    return rx.vstack(
        project_header(),
        rx.grid(status_panel(), app_panel(), columns=rx.breakpoints(initial="1", md="2"), spacing="4",
                width="100%"),
        terminal_panel(),
        database_panel(),
        variables_panel(),
        status_poller(on_tick=ProjectDetailState.poll),
        spacing="4",
        width="100%",
    )


@rx.page(route="/projects/[project_id]", title=f"Project · {PRODUCT_NAME}",
         on_load=[AuthState.check_login, ProjectDetailState.load])
def project_detail() -> rx.Component:
    return signed_in_page(
        rx.match(
            ProjectDetailState.view,
            (FOUND, _project()),
            (MISSING, project_not_found()),
            rx.center(rx.spinner(size="3"), min_height="40vh", width="100%"),
        ),
    )
