"""Pieces shared by the app's dialogs and forms."""

from __future__ import annotations

import reflex as rx


def form_field(label: str, control_id: str, control: rx.Component, *notes: rx.Component) -> rx.Component:
    """A labelled control with its hints and inline error below it."""
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=control_id),
        control,
        *notes,
        spacing="1",
        width="100%",
    )


def hint(text: str) -> rx.Component:
    return rx.text(text, size="1", color_scheme="gray")


def button_row(*buttons: rx.Component, **props) -> rx.Component:
    """The buttons that end a dialog, right-aligned."""
    return rx.hstack(*buttons, justify="end", spacing="3", width="100%", **props)


def cancel_and_submit(submit_label: str, *, busy: rx.Var[bool], submit_id: str) -> rx.Component:
    return button_row(
        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray", disabled=busy)),
        rx.button(submit_label, type="submit", loading=busy, id=submit_id),
    )


def dialog_intro(text: str) -> rx.Component:
    """The sentence under a dialog's title (Radix's description, at body size)."""
    return rx.dialog.description(text, font_size="var(--font-size-2)", color=rx.color("gray", 11),
                                 margin_bottom="1em")
