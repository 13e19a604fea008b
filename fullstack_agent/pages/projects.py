"""`/projects`: the signed-in landing page."""

import reflex as rx

from fullstack_agent.components.account import signed_in_page
from fullstack_agent.components.layout import PRODUCT_NAME
from fullstack_agent.state.auth import AuthState


@rx.page(route="/projects", title=f"Projects · {PRODUCT_NAME}", on_load=AuthState.check_login)
def projects() -> rx.Component:
    return signed_in_page(
        rx.vstack(
            rx.heading("Projects", size="7"),
            rx.text("Signed in as ", rx.text.strong(AuthState.user_name), color_scheme="gray"),
            spacing="2",
        ),
    )
