"""The base of pages that poll for statuses (`StatusPoller` ticks every second)."""

from __future__ import annotations

import time

from fullstack_agent.services.sessions import hash_token
from fullstack_agent.state.auth import AuthState

# A tick trusts the last session check for this long, so that it costs one small query
# instead of three; a sign-out elsewhere reaches a polling tab within this time.
SESSION_RECHECK_SECONDS = 15.0


class LiveState(AuthState):
    _polled_user_id: str = ""
    _polled_token_hash: str = ""
    _polled_at: float = 0.0

    async def _polling_user_id(self) -> str | None:
        """The signed-in user for a poll tick: re-checked when the session token changed or
        the last check is older than SESSION_RECHECK_SECONDS; None when signed out."""
        token_hash = hash_token(self.session_token)
        now = time.time()
        if (self._polled_user_id and self._polled_token_hash == token_hash
                and 0 <= now - self._polled_at < SESSION_RECHECK_SECONDS):
            return self._polled_user_id
        return await self._checked_user_id()

    async def _checked_user_id(self) -> str | None:
        """`_current_user_id()` (a full session check), remembered for the next ticks."""
        user_id = await self._current_user_id()
        self._polled_user_id = user_id or ""
        self._polled_token_hash = hash_token(self.session_token) if user_id else ""
        self._polled_at = time.time()
        return user_id
