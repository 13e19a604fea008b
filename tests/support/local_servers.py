"""Local PostgreSQL and Redis servers the tests use: missing ones skip the tests that need
them, with the reason, except under CI=true, where they must be there."""

from __future__ import annotations

import os

import pytest


def require_server(unavailable_reason: str | None) -> None:
    """Does nothing when the reason is None; otherwise skips (fails under CI=true) with it."""
    if unavailable_reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{unavailable_reason} (CI=true: these tests must run)")
    pytest.skip(unavailable_reason)
