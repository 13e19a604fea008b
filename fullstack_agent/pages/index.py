"""`/`: product name, pitch and the primary button (SPEC §8)."""

import reflex as rx

from fullstack_agent.components.account import account_menu
from fullstack_agent.components.layout import PRODUCT_NAME, page_shell
from fullstack_agent.state.home import SEALOS, HomeState

PITCH = "Describe your app to Claude and watch it build — a cloud sandbox, a terminal and a PostgreSQL database for every project."

FEATURES = (
    ("terminal", "A sandbox per project", "Claude Code and a web terminal in your own Kubernetes namespace."),
    ("database", "Its own PostgreSQL", "A database cluster for every project, connection string ready."),
    ("key_round", "Nothing to configure", "Your Anthropic key and database URL are injected for you."),
)


def _feature(icon: str, title: str, text: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.center(rx.icon(icon, size=20), background=rx.color("accent", 3), color=rx.color("accent", 11),
                      border_radius="10px", width="40px", height="40px"),
            rx.text(title, weight="bold", size="3"),
            rx.text(text, size="2", color_scheme="gray"),
            spacing="2",
        ),
        size="2",
        width="100%",
    )


def _error() -> rx.Component:
    return rx.cond(
        HomeState.error_code,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle_alert")),
            rx.callout.text(rx.text.strong(HomeState.error_code, id="sealos-error-code"), ": ",
                            HomeState.error_message),
            color_scheme="red", role="alert", id="sealos-error", max_width="36em", width="100%",
        ),
    )


def _overlay() -> rx.Component:
    return rx.cond(
        HomeState.signing_in,
        rx.center(
            rx.vstack(
                rx.spinner(size="3"),
                rx.text("Authenticating with Sealos...", size="3", weight="medium"),
                align="center",
                spacing="4",
            ),
            id="sealos-overlay",
            position="fixed",
            inset="0",
            z_index="1000",
            background=rx.color_mode_cond("rgba(255, 255, 255, 0.82)", "rgba(10, 12, 16, 0.85)"),
            backdrop_filter="blur(4px)",
            role="status",
            aria_live="polite",
        ),
    )


@rx.page(route="/", title=PRODUCT_NAME, on_load=HomeState.load)
def index() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.vstack(
                rx.badge("AI full-stack development", variant="soft", size="2", radius="full"),
                rx.heading(PRODUCT_NAME, size=rx.breakpoints(initial="8", sm="9"), align="center"),
                rx.text(PITCH, size=rx.breakpoints(initial="3", sm="4"), color_scheme="gray", align="center",
                        max_width="36em"),
                rx.button(
                    HomeState.primary_label,
                    rx.icon("arrow_right", size=18),
                    size="4",
                    id="primary-action",
                    on_click=HomeState.get_started,
                    disabled=HomeState.primary_disabled,
                    loading=HomeState.signing_in,
                ),
                rx.cond(
                    (HomeState.environment == SEALOS) & ~HomeState.signed_in,
                    rx.text("You are in the Sealos desktop: your Sealos account signs you in.", size="2",
                            color_scheme="gray", align="center", id="sealos-hint"),
                ),
                _error(),
                align="center",
                spacing="5",
                padding_top=rx.breakpoints(initial="2em", sm="5em"),
                width="100%",
            ),
            rx.grid(*(_feature(*feature) for feature in FEATURES),
                    columns=rx.breakpoints(initial="1", sm="3"), spacing="4", width="100%"),
            align="center",
            spacing="9",
            padding_bottom="3em",
            width="100%",
        ),
        _overlay(),
        header_right=account_menu(),
    )
