"""Calling the services from event handlers without blocking the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fullstack_agent import db

Result = TypeVar("Result")


async def in_transaction(work: Callable[..., Result], *args: Any) -> Result:
    """Runs `work(session, *args)` in its own transaction on a worker thread.

    `work` returns plain data (not rows) so that nothing lazy-loads after the commit.
    A blocking database call on the loop would freeze every tab of this worker.
    """
    def run() -> Result:
        with db.session_scope() as session:
            return work(session, *args)

    return await asyncio.to_thread(run)


def time_ago(moment: datetime, now: datetime) -> str:
    """A short relative time for "last change" texts: just now, 5 min ago, 3 h ago, 12 Mar 2025."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 7 * 86400:
        days = int(seconds // 86400)
        return f"{days} day{'s' if days > 1 else ''} ago"
    return f"{moment.day} {moment:%b %Y}"

