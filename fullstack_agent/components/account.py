"""The signed-in frame: the account menu and a page shell that shows content only to a signed-in user."""

import reflex as rx

from fullstack_agent.components.layout import page_shell
from fullstack_agent.state.auth import AuthState


def _nav_link(label: str, href: str) -> rx.Component:
    return rx.link(label, href=href, size="2", color_scheme="gray", high_contrast=True, underline="hover")


def account_menu() -> rx.Component:
    """Projects, Settings, the user and Sign out; folded into a menu on narrow screens."""
    return rx.cond(
        AuthState.signed_in,
        rx.fragment(
            rx.hstack(
                _nav_link("Projects", "/projects"),
                _nav_link("Settings", "/settings"),
                rx.badge(rx.icon("user", size=14), AuthState.user_name, variant="soft", size="2",
                         id="account-name"),
                rx.button("Sign out", on_click=AuthState.sign_out, variant="soft", color_scheme="gray",
                          size="2"),
                align="center",
                spacing="3",
                display=["none", "none", "flex"],
            ),
            rx.box(
                rx.menu.root(
                    rx.menu.trigger(rx.icon_button(rx.icon("menu", size=18), variant="ghost",
                                                   color_scheme="gray", size="2", aria_label="Menu")),
                    rx.menu.content(
                        rx.menu.item(rx.icon("user", size=14), AuthState.user_name, disabled=True),
                        rx.menu.item("Projects", on_click=rx.redirect("/projects")),
                        rx.menu.item("Settings", on_click=rx.redirect("/settings")),
                        rx.menu.separator(),
                        rx.menu.item("Sign out", on_click=AuthState.sign_out),
                        align="end",
                    ),
                ),
                display=["block", "block", "none"],
            ),
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
