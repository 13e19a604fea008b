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


# The GitHub mark (Lucide has no brand icons).
_GITHUB_MARK = ("M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49"
                "-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 "
                "1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59"
                ".82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 "
                "1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 "
                "3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42"
                "-3.58-8-8-8z")


def _github_button() -> rx.Component:
    # A document navigation (reloadDocument): the start route is served by the app's server,
    # not by the client-side router that Reflex's links use.
    return rx.button(
        rx.el.a(rx.el.svg(rx.el.path(d=_GITHUB_MARK), view_box="0 0 16 16", width="18", height="18",
                          fill="currentColor", aria_hidden="true"),
                "Continue with GitHub", href=GITHUB_START_PATH, id="github-sign-in",
                custom_attrs={"reloadDocument": True}),
        as_child=True, variant="outline", size="3", width="100%",
    )


def _password_fields() -> rx.Component:
    creating = LoginState.mode == CREATE_ACCOUNT
    return rx.vstack(
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
    )


def _password_form() -> rx.Component:
    return rx.form(
        # The page is prerendered: until the app is live, a submit would be the browser's plain
        # GET with the password in the address, and a click on the mode switch would be lost.
        rx.el.fieldset(_password_fields(), disabled=~rx.State.is_hydrated,
                       border="none", margin="0", padding="0", min_width="0"),
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
