"""`/login`: password sign-in and account creation (SPEC §4.3, §8)."""

from __future__ import annotations

import asyncio

import reflex as rx

from fullstack_agent.config import get_settings
from fullstack_agent.services import github_auth, password_auth
from fullstack_agent.state.auth import AuthState

SIGN_IN = "sign_in"
CREATE_ACCOUNT = "create_account"


class LoginState(AuthState):
    mode: str = SIGN_IN
    error: str = ""
    busy: bool = False
    password_enabled: bool = True
    github_enabled: bool = False

    @rx.event
    async def load(self):
        if await self._current_user_id() is not None:
            return rx.redirect("/projects", replace=True)
        self.password_enabled = get_settings().ENABLE_PASSWORD_AUTH
        self.github_enabled = github_auth.enabled()
        self.busy = False
        # The GitHub callback comes back here with a code naming what went wrong.
        self.error = github_auth.MESSAGES.get(self.router.url.query_parameters.get("error", ""), "")

    @rx.event
    def set_mode(self, mode: str | list[str]):
        if isinstance(mode, str) and mode in (SIGN_IN, CREATE_ACCOUNT):
            self.mode, self.error = mode, ""

    @rx.event
    async def submit(self, form: dict):
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        action = password_auth.create_account if self.mode == CREATE_ACCOUNT else password_auth.sign_in
        self.busy, self.error = True, ""
        yield
        try:
            result = await asyncio.to_thread(action, username, password)
        except password_auth.PasswordAuthError as error:
            self.busy, self.error = False, error.message
            return
        self._start_session(result)
        self.busy = False
        yield rx.redirect("/projects")
