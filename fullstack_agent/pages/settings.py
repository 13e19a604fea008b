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
                rx.grid(
                    rx.vstack(anthropic_section(), kubeconfig_section(), system_prompt_section(),
                              spacing="5", width="100%", min_width="0"),
                    rx.vstack(account_section(), activity_section(), spacing="5", width="100%", min_width="0"),
                    grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)",
                                                         md="minmax(0, 3fr) minmax(0, 2fr)"),
                    gap="5",
                    align_items="start",
                    width="100%",
                ),
                rx.center(rx.spinner(size="3"), min_height="40vh", width="100%"),
            ),
            spacing="5",
            width="100%",
        ),
    )
