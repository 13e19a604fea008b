"""The signed-in frame: the account menu and a page shell that shows content only to a signed-in user."""

import reflex as rx

from fullstack_agent.components.layout import page_shell
from fullstack_agent.state.auth import AuthState


def account_menu() -> rx.Component:
    return rx.cond(
        AuthState.signed_in,
        rx.hstack(
            rx.link("Projects", href="/projects", size="2", color_scheme="gray", high_contrast=True),
            rx.link("Settings", href="/settings", size="2", color_scheme="gray", high_contrast=True),
            # Phones (360 px) keep the links and an icon-only sign-out button.
            rx.badge(rx.icon("user", size=14), AuthState.user_name, variant="soft", size="2",
                     id="account-name", display=rx.breakpoints(initial="none", sm="flex")),
            rx.button(rx.icon("log_out", size=14), rx.text("Sign out", display=rx.breakpoints(initial="none",
                                                                                           sm="inline")),
                      on_click=AuthState.sign_out, variant="soft", color_scheme="gray", size="2",
                      aria_label="Sign out"),
            align="center",
            spacing="3",
        ),
    )


def signed_in_page(*children: rx.Component) -> rx.Component:
    """A page for signed-in users; pair it with `on_load=AuthState.check_login`.

    Until the session is confirmed a spinner stands in for the content, so a signed-out
    visitor never sees an empty private page before the redirect.
    """
    return page_shell(
        rx.cond(
            AuthState.signed_in,
            rx.fragment(*children),
            rx.center(rx.spinner(size="3"), min_height="40vh"),
        ),
        header_right=account_menu(),
    )
