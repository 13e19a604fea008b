"""`/login`: sign in, create an account, inline errors."""

import reflex as rx

from fullstack_agent.components.layout import PRODUCT_NAME, page_shell
from fullstack_agent.state.login import CREATE_ACCOUNT, SIGN_IN, LoginState


def _field(label: str, name: str, kind: str, autocomplete: rx.Var | str) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=name),
        rx.input(id=name, name=name, type=kind, auto_complete=autocomplete, required=True,
                 size="3", width="100%"),
        spacing="1",
        width="100%",
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
            rx.cond(
                LoginState.error,
                rx.callout(LoginState.error, icon="triangle_alert", color_scheme="red", role="alert",
                           width="100%", id="login-error"),
            ),
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
                    rx.cond(
                        LoginState.password_enabled,
                        _password_form(),
                        rx.callout("Password sign-in is turned off on this server.", icon="info"),
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
