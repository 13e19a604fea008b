"""`/settings` (SPEC §8): the Anthropic key and friends, the kubeconfig, the system prompt, activity.

Secrets stay out of the browser: the key is shown masked (`key_masked`) and in clear only in
`key_revealed`, after the user asked; the kubeconfig and a newly typed key arrive once with
their form and are never kept in state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import reflex as rx

from fullstack_agent.k8s.kubeconfig import KubeconfigError
from fullstack_agent.services import activity, agent_settings, anthropic_key, kubeconfig_settings, system_prompt
from fullstack_agent.services.agent_settings import AnthropicInputError
from fullstack_agent.services.system_prompt import SystemPromptError
from fullstack_agent.state.auth import AuthState

def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _updating_note(change: Any) -> str:
    count = change.sandboxes_updating
    if not count:
        return ""
    return f" {count} running sandbox{'es' if count != 1 else ''} will restart with it."


def _saved(change: Any) -> str:
    return "Saved." + _updating_note(change) if change.changed else "Nothing changed."


# What the services refuse with one sentence for the user; nothing was changed then.
_REFUSALS = (AnthropicInputError, KubeconfigError, SystemPromptError)


class SettingsState(AuthState):
    loaded: bool = False
    # Bumped when stored values change outside the forms' own typing, to re-mount the fields.
    form_version: int = 0

    key_masked: str = ""
    key_source: str = ""
    key_set_at: str = ""
    key_invalid_since: str = ""
    key_revealed: str = ""
    base_url: str = ""
    model: str = ""
    small_fast_model: str = ""
    sealos_account: bool = False
    provisioning_status: str = ""  # "", "ok" or "failed"
    provisioning_reason: str = ""
    provisioning_at: str = ""
    health_status: str = ""
    health_detail: str = ""
    health_at: str = ""
    anthropic_error: str = ""
    anthropic_message: str = ""
    anthropic_busy: bool = False
    reprovision_busy: bool = False

    kube_present: bool = False
    kube_from_sealos: bool = False
    kube_namespace: str = ""
    kube_server: str = ""
    kube_updated_at: str = ""
    kube_problem: str = ""
    kube_error: str = ""
    kube_message: str = ""
    kube_busy: bool = False

    prompt_text: str = ""
    prompt_is_default: bool = True
    prompt_error: str = ""
    prompt_message: str = ""
    prompt_busy: bool = False

    activity: list[dict[str, str]] = []

    # ------------------------------------------------------------ loading

    def _show_anthropic(self, settings: agent_settings.AnthropicSettings) -> None:
        key = settings.key
        self.key_masked = key.masked if key else ""
        self.key_source = key.source.value if key else ""
        self.key_set_at = when(key.set_at) if key else ""
        self.key_invalid_since = when(key.invalid_since) if key else ""
        self.base_url, self.model, self.small_fast_model = (settings.base_url, settings.model,
                                                            settings.small_fast_model)
        self.sealos_account = settings.sealos_account
        outcome = settings.last_provisioning
        self.provisioning_status = ("ok" if outcome.ok else "failed") if outcome else ""
        self.provisioning_reason = outcome.reason if outcome else ""
        self.provisioning_at = when(outcome.at) if outcome else ""
        check = settings.last_health_check
        self.health_status = check.status.value if check else ""
        self.health_detail = check.detail if check else ""
        self.health_at = when(check.at) if check else ""

    def _show_kubeconfig(self, summary: kubeconfig_settings.KubeconfigSummary) -> None:
        self.kube_present, self.kube_from_sealos = summary.present, summary.from_sealos
        self.kube_namespace, self.kube_server = summary.namespace, summary.server
        self.kube_updated_at, self.kube_problem = when(summary.updated_at), summary.problem

    def _show_prompt(self, prompt: system_prompt.SystemPrompt) -> None:
        self.prompt_text, self.prompt_is_default = prompt.text, prompt.is_default

    def _show_activity(self, items: list[activity.ActivityItem]) -> None:
        self.activity = [{"at": when(item.at), "label": item.label, "detail": item.detail} for item in items]

    async def _refresh(self, user_id: str) -> None:
        self._show_anthropic(await asyncio.to_thread(agent_settings.read, user_id))
        self._show_kubeconfig(await asyncio.to_thread(kubeconfig_settings.summary, user_id))
        self._show_prompt(await asyncio.to_thread(system_prompt.read, user_id))
        self._show_activity(await asyncio.to_thread(activity.recent_activity, user_id))
        self.form_version += 1

    def _feedback(self, section: str, *, busy: bool = False, error: str = "", message: str = "") -> None:
        """Sets `<section>_busy`, `_error` and `_message` of "anthropic", "kube" or "prompt"."""
        setattr(self, f"{section}_busy", busy)
        setattr(self, f"{section}_error", error)
        setattr(self, f"{section}_message", message)

    async def _change(self, section: str, change: Callable[[str], Any], describe: Callable[[Any], str]):
        """One change of a section: busy while the service works, then its refusal or
        `describe(result)`; the forms re-mount with what is stored now."""
        user_id = await self._current_user_id()
        if user_id is None:
            yield AuthState.check_login
            return
        self._feedback(section, busy=True)
        yield
        try:
            result = await asyncio.to_thread(change, user_id)
        except _REFUSALS as error:
            self._feedback(section, error=str(error))
            return
        await self._refresh(user_id)
        self.key_revealed = ""
        self._feedback(section, message=describe(result))

    @rx.event
    async def load(self):
        user_id = await self._current_user_id()
        if user_id is None:
            return AuthState.check_login
        self.key_revealed = ""
        for section in ("anthropic", "kube", "prompt"):
            self._feedback(section)
        self.reprovision_busy = False
        await self._refresh(user_id)
        self.loaded = True

    # ------------------------------------------------------------ Anthropic

    @rx.event
    async def save_anthropic(self, form: dict):
        fields = {name: str(form.get(name, "")) for name in ("api_key", "base_url", "model", "small_fast_model")}
        async for update in self._change("anthropic", lambda user_id: agent_settings.save(user_id, **fields),
                                         _saved):
            yield update

    @rx.event
    async def remove_key(self):
        async for update in self._change("anthropic", agent_settings.remove_key,
                                         lambda change: "The key was removed." + _updating_note(change)):
            yield update

    @rx.event
    async def reveal_key(self):
        user_id = await self._current_user_id()
        if user_id is None:
            return AuthState.check_login
        self.key_revealed = await asyncio.to_thread(agent_settings.reveal_key, user_id)

    @rx.event
    def hide_key(self):
        self.key_revealed = ""

    @rx.event
    async def reprovision(self, replace_manual_key: bool = False):
        user_id = await self._current_user_id()
        if user_id is None:
            yield AuthState.check_login
            return
        self._feedback("anthropic")
        self.reprovision_busy = True
        yield
        outcome = await asyncio.to_thread(anthropic_key.reprovision, user_id,
                                          replace_manual_key=bool(replace_manual_key))
        await self._refresh(user_id)
        self.key_revealed, self.reprovision_busy = "", False
        if outcome.ok:
            self.anthropic_message = "A key was provisioned through Aiproxy."
        else:
            self.anthropic_error = f"Re-provisioning failed: {outcome.reason}"

    # ------------------------------------------------------------ kubeconfig

    @rx.event
    async def save_kubeconfig(self, form: dict):
        text = str(form.get("kubeconfig", ""))
        async for update in self._change(
                "kube", lambda user_id: kubeconfig_settings.save(user_id, text),
                lambda saved: f"Saved. Namespace: {saved.summary.namespace}." + _updating_note(saved)):
            yield update

    # ------------------------------------------------------------ system prompt

    @rx.event
    async def save_prompt(self, form: dict):
        text = str(form.get("system_prompt", ""))
        async for update in self._change("prompt", lambda user_id: agent_settings.save_system_prompt(user_id, text),
                                         _saved):
            yield update

    @rx.event
    async def reset_prompt(self):
        async for update in self._change("prompt", agent_settings.reset_system_prompt, _saved):
            yield update
