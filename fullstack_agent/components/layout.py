"""The page shell shared by every page."""

import reflex as rx

PRODUCT_NAME = "Fullstack Agent"


def brand() -> rx.Component:
    return rx.hstack(
        rx.icon("bot", size=22),
        rx.text(PRODUCT_NAME, weight="bold", size="4"),
        align="center",
        spacing="2",
    )


def page_shell(*children: rx.Component, header_right: rx.Component | None = None) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.link(brand(), href="/", underline="none", color_scheme="gray", high_contrast=True),
            rx.spacer(),
            header_right or rx.fragment(),
            rx.color_mode.button(size="2", variant="ghost"),
            align="center",
            padding_x=["1em", "2em"],
            padding_y="0.75em",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            width="100%",
        ),
        rx.box(*children, padding=["1em", "2em"], max_width="1100px", margin_x="auto", width="100%"),
        min_height="100vh",
        background=rx.color("gray", 1),
    )
