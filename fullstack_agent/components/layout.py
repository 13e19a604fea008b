"""The page shell shared by every page."""

import reflex as rx

PRODUCT_NAME = "Fullstack Agent"


def brand(compact_on_phones: bool = False) -> rx.Component:
    """The logo and name; `compact_on_phones` leaves the name out below 480 px, where a
    header with an account menu needs the room."""
    return rx.hstack(
        rx.icon("bot", size=22),
        rx.text(PRODUCT_NAME, weight="bold", size="4",
                display=rx.breakpoints(initial="none", xs="block") if compact_on_phones else "block"),
        align="center",
        spacing="2",
    )


def page_shell(*children: rx.Component, header_right: rx.Component | None = None) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.link(brand(compact_on_phones=header_right is not None), href="/", underline="none",
                    color_scheme="gray", high_contrast=True),
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
