"""`/`: product name, pitch and the primary button (SPEC §8)."""

import reflex as rx

from fullstack_agent.components.layout import PRODUCT_NAME, page_shell
from fullstack_agent.state.auth import AuthState

PITCH = "Describe your app to Claude and watch it build — a cloud sandbox, a terminal and a PostgreSQL database for every project."


@rx.page(route="/", title=PRODUCT_NAME, on_load=AuthState.refresh_login)
def index() -> rx.Component:
    return page_shell(
        rx.center(
            rx.vstack(
                rx.heading(PRODUCT_NAME, size="9", align="center"),
                rx.text(PITCH, size="4", color_scheme="gray", align="center", max_width="36em"),
                rx.cond(
                    AuthState.signed_in,
                    rx.link(rx.button("Go to Projects", size="4", id="primary-action"), href="/projects"),
                    rx.link(rx.button("Get Started", size="4", id="primary-action"), href="/login"),
                ),
                align="center",
                spacing="5",
            ),
            min_height="70vh",
        ),
    )
