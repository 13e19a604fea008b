"""The status badge: one colour per status; statuses the reconciler is working on spin."""

from __future__ import annotations

import reflex as rx

from fullstack_agent.models import ProjectStatus

STATUS_COLORS: dict[ProjectStatus, str] = {
    ProjectStatus.CREATING: "blue",
    ProjectStatus.STARTING: "cyan",
    ProjectStatus.RUNNING: "green",
    ProjectStatus.STOPPING: "amber",
    ProjectStatus.STOPPED: "gray",
    ProjectStatus.UPDATING: "violet",
    ProjectStatus.TERMINATING: "orange",
    ProjectStatus.TERMINATED: "bronze",
    ProjectStatus.ERROR: "red",
    ProjectStatus.PARTIAL: "yellow",
}
# The project statuses that are on their way somewhere (SPEC §7); resource statuses use
# the same names, so one badge serves projects, sandboxes and databases.
BUSY_STATUSES = (ProjectStatus.CREATING, ProjectStatus.STARTING, ProjectStatus.STOPPING,
                 ProjectStatus.UPDATING, ProjectStatus.TERMINATING)


def _label(status: ProjectStatus) -> str:
    return status.value.capitalize()


def status_badge(status: rx.Var[str], size: str = "2", **props) -> rx.Component:
    """A badge for a project or resource status; `data-status` holds the raw value."""
    color = rx.match(status, *[(member.value, color) for member, color in STATUS_COLORS.items()], "gray")
    label = rx.match(status, *[(member.value, _label(member)) for member in ProjectStatus], status)
    busy = rx.match(status, *[(member.value, True) for member in BUSY_STATUSES], False)
    return rx.badge(
        rx.cond(busy, rx.spinner(size="1"), rx.icon("circle", size=8, fill="currentColor")),
        label,
        color_scheme=color,
        variant="soft",
        radius="full",
        size=size,
        custom_attrs={"data-status": status, "aria-busy": busy},
        white_space="nowrap",
        **props,
    )
