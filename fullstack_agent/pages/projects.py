"""`/projects`: the signed-in user's projects, with live statuses."""

import reflex as rx

from fullstack_agent.components.account import signed_in_page
from fullstack_agent.components.layout import PRODUCT_NAME
from fullstack_agent.components.live_updates import status_poller
from fullstack_agent.components.project_cards import empty_state, new_project_button, new_project_dialog, project_grid
from fullstack_agent.state.auth import AuthState
from fullstack_agent.state.projects import ProjectsState


@rx.page(route="/projects", title=f"Projects · {PRODUCT_NAME}",
         on_load=[AuthState.check_login, ProjectsState.load])
def projects() -> rx.Component:
    return signed_in_page(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading("Projects", size="7"),
                    rx.text("Signed in as ", rx.text.strong(AuthState.user_name), color_scheme="gray",
                            size="2"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.cond(ProjectsState.cards.length() > 0, new_project_button(size="3")),
                align="end",
                width="100%",
                wrap="wrap",
                spacing="3",
            ),
            rx.cond(
                ProjectsState.loaded,
                rx.cond(ProjectsState.cards.length() > 0, project_grid(), empty_state()),
                rx.center(rx.spinner(size="3"), min_height="30vh", width="100%"),
            ),
            new_project_dialog(),
            status_poller(on_tick=ProjectsState.poll),
            spacing="5",
            width="100%",
        ),
    )
