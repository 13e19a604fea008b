"""AuthState: who is signed in, for every page (SPEC §4.1).

The contract for the other state classes:
- subclass it (`class ProjectsState(AuthState)`) and start every handler that reads or
  changes user data with `user_id = await self._current_user_id()`; None means "not signed
  in": return `AuthState.check_login` (or a redirect) and touch nothing;
- put `AuthState.check_login` first in the `on_load` of private pages;
- show `AuthState.signed_in` / `AuthState.user_name`; `AuthState.sign_out` ends the session.

The session token lives in the browser's localStorage (`SESSION_STORAGE_KEY`, synced across
tabs). It is the only secret here and it is the browser's own; the user id stays on the
server, re-derived from the token on each call, because any client can send any event.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from fullstack_agent.services import sessions

# The localStorage key; the GitHub callback page writes the same key (fullstack_agent/api.py).
SESSION_STORAGE_KEY = sessions.BROWSER_STORAGE_KEY


class AuthState(rx.State):
    session_token: str = rx.LocalStorage("", name=SESSION_STORAGE_KEY, sync=True)
    signed_in: bool = False
    user_name: str = ""

    async def _current_user_id(self) -> str | None:
        """The signed-in user's id, resolved from the session token now; None when signed out."""
        token = self.session_token
        user = await asyncio.to_thread(sessions.current_user, token) if token else None
        if user is None:
            if token:
                self.session_token = ""
            self.signed_in, self.user_name = False, ""
            return None
        self.signed_in, self.user_name = True, user.name
        return user.id

    def _start_session(self, sign_in: sessions.SignIn) -> None:
        """Hands a fresh session to the browser (called by the sign-in handlers)."""
        self.session_token = sign_in.token
        self.signed_in, self.user_name = True, sign_in.user_name

    @rx.event
    async def refresh_login(self):
        """on_load of public pages: shows whether someone is signed in, redirects nobody."""
        await self._current_user_id()

    @rx.event
    async def check_login(self):
        """on_load of private pages: without a valid session the browser goes to /login."""
        if await self._current_user_id() is None:
            return rx.redirect("/login", replace=True)

    @rx.event
    async def sign_out(self):
        token = self.session_token
        if token:
            await asyncio.to_thread(sessions.sign_out, token)
        self.session_token = ""
        self.signed_in, self.user_name = False, ""
        return rx.redirect("/")
