"""`/settings`: Anthropic, Kubernetes, system prompt, recent activity, account (SPEC §8)."""

import reflex as rx

from fullstack_agent.components.account import signed_in_page
from fullstack_agent.components.layout import PRODUCT_NAME
from fullstack_agent.components.settings import (
    account_section,
    activity_section,
    anthropic_section,
    kubeconfig_section,
    system_prompt_section,
)
from fullstack_agent.state.auth import AuthState
from fullstack_agent.state.settings import SettingsState


@rx.page(route="/settings", title=f"Settings · {PRODUCT_NAME}", on_load=[AuthState.check_login, SettingsState.load])
def settings() -> rx.Component:
    return signed_in_page(
        rx.vstack(
            rx.heading("Settings", size="7"),
            rx.cond(
                SettingsState.loaded,
                rx.flex(
                    rx.vstack(anthropic_section(), kubeconfig_section(), system_prompt_section(),
                              spacing="5", flex="3 1 0", min_width="0", width="100%"),
                    rx.vstack(account_section(), activity_section(), spacing="5", flex="2 1 0", min_width="0",
                              width="100%"),
                    direction=rx.breakpoints(initial="column", md="row"),
                    spacing="5",
                    align="start",
                    width="100%",
                ),
                rx.center(rx.spinner(size="3"), min_height="40vh", width="100%"),
            ),
            spacing="5",
            width="100%",
        ),
    )
