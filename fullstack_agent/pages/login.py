"""`/login`: sign in, create an account, inline errors."""

import reflex as rx

from fullstack_agent.components.layout import PRODUCT_NAME, page_shell
from fullstack_agent.services.github_auth import START_PATH as GITHUB_START_PATH
from fullstack_agent.state.login import CREATE_ACCOUNT, SIGN_IN, LoginState


def _field(label: str, name: str, kind: str, autocomplete: rx.Var | str) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=name),
        rx.input(id=name, name=name, type=kind, auto_complete=autocomplete, required=True,
                 size="3", width="100%"),
        spacing="1",
        width="100%",
    )


def _error() -> rx.Component:
    return rx.cond(
        LoginState.error,
        rx.callout(LoginState.error, icon="triangle_alert", color_scheme="red", role="alert",
                   width="100%", id="login-error"),
    )


def _github_button() -> rx.Component:
    # A real link (as a button): the start route is served by the app's server, not the page router.
    return rx.button(
        rx.el.a(rx.icon("github", size=18), "Continue with GitHub", href=GITHUB_START_PATH, id="github-sign-in"),
        as_child=True, variant="outline", size="3", width="100%",
    )


def _password_form() -> rx.Component:
    creating = LoginState.mode == CREATE_ACCOUNT
    return rx.form(
        rx.vstack(
            rx.segmented_control.root(
                rx.segmented_control.item("Sign in", value=SIGN_IN),
                rx.segmented_control.item("Create account", value=CREATE_ACCOUNT),
                value=LoginState.mode,
                on_change=LoginState.set_mode,
                width="100%",
            ),
            _field("Username", "username", "text", "username"),
            _field("Password", "password", "password",
                   rx.cond(creating, "new-password", "current-password")),
            rx.cond(creating, rx.text("At least 8 characters.", size="1", color_scheme="gray")),
            _error(),
            rx.button(
                rx.cond(creating, "Create account", "Sign in"),
                type="submit", size="3", width="100%", loading=LoginState.busy, id="login-submit",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=LoginState.submit,
        reset_on_submit=False,
        width="100%",
    )


@rx.page(route="/login", title=f"Sign in · {PRODUCT_NAME}", on_load=LoginState.load)
def login() -> rx.Component:
    return page_shell(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.heading("Welcome", size="6"),
                    rx.text("Sign in to your projects, or create an account.", color_scheme="gray",
                            size="2"),
                    rx.cond(LoginState.password_enabled, _password_form()),
                    rx.cond(
                        LoginState.github_enabled,
                        rx.vstack(
                            rx.cond(LoginState.password_enabled,
                                    rx.hstack(rx.separator(size="4"), rx.text("or", size="1", color_scheme="gray"),
                                              rx.separator(size="4"), align="center", width="100%")),
                            _github_button(),
                            rx.cond(~LoginState.password_enabled, _error()),
                            spacing="4",
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        ~LoginState.password_enabled & ~LoginState.github_enabled,
                        rx.callout("No sign-in method is enabled on this server. In the Sealos desktop, "
                                   "open the app from the desktop and use Get Started on the home page.",
                                   icon="info", width="100%"),
                    ),
                    spacing="4",
                    width="100%",
                ),
                size="4",
                width="100%",
                max_width="420px",
            ),
            min_height="70vh",
            padding_y="2em",
        ),
    )
