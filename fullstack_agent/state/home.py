"""`/`: environment detection and the primary button (SPEC §8 home, §4.2 steps 1–2)."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from fullstack_agent.config import get_settings
from fullstack_agent.services import sealos_auth
from fullstack_agent.state.auth import AuthState

log = logging.getLogger(__name__)

DETECTING = "detecting"
SEALOS = "sealos"
STANDALONE = "standalone"
_UNEXPECTED = ("SealosSignInFailed", "Something went wrong on the server. Please try again.")
_NOTICE_MS = 15_000


class HomeState(AuthState):
    environment: str = DETECTING
    signing_in: bool = False
    error_code: str = ""
    error_message: str = ""

    @rx.var
    def primary_label(self) -> str:
        return "Go to Projects" if self.signed_in else "Get Started"

    @rx.var
    def primary_disabled(self) -> bool:
        return self.environment == DETECTING or self.signing_in

    def _show_error(self, code: str, message: str) -> None:
        self.signing_in = False
        self.error_code, self.error_message = code, message

    @rx.event
    async def load(self):
        self.signing_in, self.error_code, self.error_message = False, "", ""
        await self._current_user_id()
        if not get_settings().sealos_auth_enabled:
            self.environment = STANDALONE
            return
        self.environment = DETECTING
        return rx.call_script("window.fullstackAgentDesktop.detect()", callback=HomeState.detected)

    @rx.event
    def detected(self, result: dict):
        self.environment = SEALOS if isinstance(result, dict) and result.get("desktop") is True else STANDALONE

    @rx.event
    async def get_started(self):
        if self.primary_disabled:
            return
        if await self._current_user_id() is not None:
            return rx.redirect("/projects")
        if self.environment != SEALOS:
            return rx.redirect("/login")
        self.signing_in, self.error_code, self.error_message = True, "", ""
        return rx.call_script("window.fullstackAgentDesktop.getSession()", callback=HomeState.finish_sealos_sign_in)

    @rx.event
    async def finish_sealos_sign_in(self, reply: dict):
        if not self.signing_in:
            return  # a late or repeated answer: this attempt is over
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            code = reply.get("code") if isinstance(reply, dict) else None
            code = code if code in sealos_auth.MESSAGES else "SealosDesktopBadReply"
            detail = str(reply.get("message") or "")[:200] if isinstance(reply, dict) else ""
            self._show_error(code, f"{sealos_auth.MESSAGES[code]} {detail}".strip())
            return
        try:
            result = await asyncio.to_thread(sealos_auth.sign_in, reply.get("token"), reply.get("kubeconfig"),
                                             reply.get("user"))
        except sealos_auth.SealosSignInError as error:
            self._show_error(error.code, error.message)
            return
        except Exception:  # the page must recover and offer a retry whatever failed below
            log.exception("Sealos sign-in failed unexpectedly")
            self._show_error(*_UNEXPECTED)
            return
        self._start_session(result)
        self.signing_in = False
        events = [rx.redirect("/projects")]
        if result.notice:
            events.append(rx.toast.warning(result.notice, duration=_NOTICE_MS, close_button=True,
                                           id="provisioning-notice"))
        return events
