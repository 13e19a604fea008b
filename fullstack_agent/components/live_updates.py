"""A timer in the browser that asks the server for fresh statuses while the page is on screen.

The browser drives the polling, not a server-side loop: a background task on the server
cannot tell that a tab was closed, while this timer stops by itself when the user leaves
the page (the component unmounts) or closes the tab, and it skips ticks while the tab is
hidden. Coming back to a hidden tab ticks at once.
"""

from __future__ import annotations

from typing import Any, cast

import reflex as rx
from reflex_base.components.component import field
from reflex_base.components.memoize_helpers import get_memoized_event_triggers
from reflex_base.event import no_args_event_spec
from reflex_base.vars.base import Var

# A status change in the database reaches the screen within one interval plus one round
# trip (SPEC §12: ≤ 2 s).
DEFAULT_INTERVAL_MS = 1000


class StatusPoller(rx.Fragment):
    """Calls `on_tick` every `interval_ms` while the page is mounted and visible."""

    on_tick: rx.EventHandler[no_args_event_spec]
    interval_ms: int = field(default=DEFAULT_INTERVAL_MS, is_javascript_property=False)

    @classmethod
    def create(cls, **props: Any) -> StatusPoller:
        poller = cast("StatusPoller", super().create(**props))
        # A stable callback identity, as Reflex's own WindowEventListener does.
        memoized = get_memoized_event_triggers(poller)
        if memoized:
            poller.event_triggers = {**poller.event_triggers, **memoized}
        return poller

    def _exclude_props(self) -> list[str]:
        return [*super()._exclude_props(), *self.event_triggers.keys()]

    def add_hooks(self) -> list[str | Var[Any]]:
        on_tick = self.event_triggers.get("on_tick")
        if on_tick is None:
            return []
        return [Var(f"""
useEffect(() => {{
    if (typeof window === 'undefined') return;
    const tick = {Var.create(on_tick)};
    const tickIfVisible = () => {{ if (!document.hidden) tick(); }};
    const timer = setInterval(tickIfVisible, {int(self.interval_ms)});
    document.addEventListener('visibilitychange', tickIfVisible);
    return () => {{
        clearInterval(timer);
        document.removeEventListener('visibilitychange', tickIfVisible);
    }};
}}, []);
""")]


status_poller = StatusPoller.create
