"""The sections of `/settings`: layout and texts only; every value and action is SettingsState's."""

import reflex as rx

from fullstack_agent.state.auth import AuthState
from fullstack_agent.state.settings import SettingsState

# The fields are uncontrolled: their text reaches the server only with their form's submit
# (a new key or kubeconfig is never kept in state), and each form re-mounts with the stored
# values when SettingsState.form_version changes.
KEY_INPUT_ID = "anthropic-key"
KUBECONFIG_INPUT_ID = "kubeconfig-text"
PROMPT_INPUT_ID = "system-prompt"

MONOSPACE = "var(--code-font-family)"
KUBECONFIG_PLACEHOLDER = """apiVersion: v1
kind: Config
clusters: …
contexts: …
current-context: …
users: …"""


def section(title: str, icon: str, description: str, *children: rx.Component, section_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon(icon, size=18), rx.heading(title, size="4", as_="h2"), align="center", spacing="2"),
            rx.text(description, size="2", color_scheme="gray"),
            *children,
            spacing="4",
            width="100%",
        ),
        id=section_id,
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
    )


def fact(label: str, *value: rx.Component) -> rx.Component:
    """One labelled fact: label above the value on phones, beside it from tablets up."""
    return rx.flex(
        rx.text(label, size="2", color_scheme="gray", min_width="9em"),
        rx.flex(*value, spacing="2", align="center", wrap="wrap", min_width="0"),
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing=rx.breakpoints(initial="1", sm="3"),
        align=rx.breakpoints(initial="start", sm="center"),
        width="100%",
    )


def field(label: str, name: str, *, input_id: str = "", hint: str = "", **input_props) -> rx.Component:
    input_id = input_id or name
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=input_id),
        rx.input(id=input_id, name=name, size="2", width="100%", **input_props),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1",
        width="100%",
    )


def feedback(error: rx.Var, message: rx.Var, prefix: str) -> rx.Component:
    return rx.fragment(
        rx.cond(error, rx.callout(error, icon="triangle_alert", color_scheme="red", role="alert", width="100%",
                                  id=f"{prefix}-error")),
        rx.cond(message, rx.callout(message, icon="circle_check", color_scheme="green", width="100%",
                                    id=f"{prefix}-message")),
    )


def settings_form(*children: rx.Component, on_submit, spacing: str = "2") -> rx.Component:
    return rx.form(
        rx.vstack(*children, spacing=spacing, width="100%"),
        key=SettingsState.form_version,
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )


def confirm(trigger: rx.Component, title: str, text: str, action_label: str, on_confirm) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text, size="2"),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(action_label, color_scheme="red", on_click=on_confirm)),
                spacing="3", justify="end", margin_top="1em",
            ),
            max_width="440px",
        ),
    )


def when_text(prefix: str, moment: rx.Var) -> rx.Component:
    return rx.cond(moment, rx.text(prefix, " ", moment, size="1", color_scheme="gray"))


# ---------------------------------------------------------------- Anthropic

def _source_badge() -> rx.Component:
    return rx.match(
        SettingsState.key_source,
        ("aiproxy", rx.badge("Aiproxy", color_scheme="indigo", id="key-source")),
        ("manual", rx.badge("Your own key", color_scheme="gray", id="key-source")),
        rx.badge(SettingsState.key_source, id="key-source"),
    )


def _key_actions() -> rx.Component:
    return rx.flex(
        rx.cond(
            SettingsState.key_revealed,
            rx.button(rx.icon("eye_off", size=14), "Hide", size="1", variant="soft", color_scheme="gray",
                      on_click=SettingsState.hide_key, id="hide-key"),
            rx.button(rx.icon("eye", size=14), "Reveal", size="1", variant="soft", color_scheme="gray",
                      on_click=SettingsState.reveal_key, id="reveal-key"),
        ),
        confirm(
            rx.button(rx.icon("trash_2", size=14), "Remove", size="1", variant="soft", color_scheme="red",
                      id="remove-key"),
            "Remove the API key?",
            "Your sandboxes will restart without an Anthropic key until you enter or provision a new one.",
            "Remove key", SettingsState.remove_key,
        ),
        spacing="2",
    )


def _key_status() -> rx.Component:
    return rx.cond(
        SettingsState.key_masked,
        rx.vstack(
            fact("API key",
                 rx.code(SettingsState.key_masked, id="key-masked", size="2"),
                 _source_badge(),
                 rx.cond(SettingsState.key_invalid_since,
                         rx.badge("Rejected", color_scheme="red", id="key-invalid"))),
            fact("Saved", rx.text(SettingsState.key_set_at, size="2", id="key-set-at"),
                 rx.cond(SettingsState.key_invalid_since,
                         rx.text("· rejected since ", SettingsState.key_invalid_since, size="2",
                                 color_scheme="red"))),
            rx.cond(
                SettingsState.key_revealed,
                rx.flex(
                    rx.code(SettingsState.key_revealed, id="key-revealed", size="2", word_break="break-all"),
                    rx.icon_button(rx.icon("copy", size=14), size="1", variant="ghost", title="Copy",
                                   on_click=rx.set_clipboard(SettingsState.key_revealed)),
                    spacing="2", align="center",
                ),
            ),
            _key_actions(),
            spacing="2",
            width="100%",
        ),
        rx.callout(rx.cond(SettingsState.sealos_account,
                           "No Anthropic key is set: Claude Code in your sandboxes cannot work until you "
                           "re-provision one through Aiproxy or enter your own.",
                           "No Anthropic key is set: Claude Code in your sandboxes cannot work until you "
                           "enter one."),
                   icon="key_round", color_scheme="amber", width="100%", id="key-missing"),
    )


def _health_badge() -> rx.Component:
    status = SettingsState.health_status
    return rx.badge(status, id="health-status",
                    color_scheme=rx.match(status, ("failed", "red"), ("unchecked", "gray"), "green"))


def _aiproxy_block() -> rx.Component:
    def reprovision_button(**props) -> rx.Component:
        return rx.button(rx.icon("refresh_cw", size=14), "Re-provision via Aiproxy", size="2", variant="soft",
                         loading=SettingsState.reprovision_busy, id="reprovision", **props)

    return rx.cond(
        SettingsState.sealos_account,
        rx.vstack(
            rx.separator(size="4"),
            rx.text("Aiproxy", weight="medium", size="2"),
            fact("Last provisioning",
                 rx.cond(
                     SettingsState.provisioning_status,
                     rx.fragment(
                         rx.badge(rx.cond(SettingsState.provisioning_status == "ok", "succeeded", "failed"),
                                  color_scheme=rx.cond(SettingsState.provisioning_status == "ok", "green", "red"),
                                  id="provisioning-status"),
                         rx.text(SettingsState.provisioning_at, size="1", color_scheme="gray"),
                     ),
                     rx.text("never", size="2", color_scheme="gray"),
                 )),
            rx.cond(SettingsState.provisioning_reason,
                    rx.text(SettingsState.provisioning_reason, size="2", color_scheme="red",
                            id="provisioning-reason")),
            fact("Key check",
                 rx.cond(
                     SettingsState.health_status,
                     rx.fragment(
                         _health_badge(),
                         rx.text(SettingsState.health_at, size="1", color_scheme="gray"),
                     ),
                     rx.text("not checked yet", size="2", color_scheme="gray"),
                 )),
            rx.cond(SettingsState.health_detail,
                    rx.text(SettingsState.health_detail, size="2", color_scheme="gray", id="health-detail")),
            rx.cond(
                SettingsState.key_source == "manual",
                confirm(reprovision_button(), "Replace your own key?",
                        "Aiproxy provisions a key for your Sealos account; it replaces the key you entered.",
                        "Replace with Aiproxy key", SettingsState.reprovision(True)),
                reprovision_button(on_click=SettingsState.reprovision(False)),
            ),
            spacing="2",
            width="100%",
        ),
    )


def _anthropic_form() -> rx.Component:
    return settings_form(
        field("New API key", "api_key", input_id=KEY_INPUT_ID, type="password", auto_complete="off",
              placeholder=rx.cond(SettingsState.key_masked, "Leave empty to keep the current key", "sk-ant-…"),
              hint="Saving a key here makes it your own key: Aiproxy never replaces it."),
        field("Base URL", "base_url", default_value=SettingsState.base_url,
              placeholder="https://api.anthropic.com",
              hint="With your own Anthropic key use https://api.anthropic.com or leave it empty."),
        rx.grid(
            field("Model", "model", default_value=SettingsState.model, placeholder="claude-sonnet-4-5"),
            field("Small fast model", "small_fast_model", default_value=SettingsState.small_fast_model,
                  placeholder="claude-haiku-4-5"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.text("An empty field removes its setting. Running sandboxes restart with the new values.",
                size="1", color_scheme="gray"),
        rx.button("Save", type="submit", loading=SettingsState.anthropic_busy, id="save-anthropic"),
        on_submit=SettingsState.save_anthropic,
        spacing="3",
    )


def anthropic_section() -> rx.Component:
    return section(
        "Anthropic", "sparkles",
        "The key, base URL and models Claude Code uses in your sandboxes.",
        _key_status(),
        _aiproxy_block(),
        rx.separator(size="4"),
        feedback(SettingsState.anthropic_error, SettingsState.anthropic_message, "anthropic"),
        _anthropic_form(),
        section_id="anthropic",
    )


# ---------------------------------------------------------------- kubeconfig

def _kubeconfig_facts() -> rx.Component:
    return rx.cond(
        SettingsState.kube_present,
        rx.vstack(
            fact("Namespace", rx.code(SettingsState.kube_namespace, size="2", id="kube-namespace")),
            rx.cond(SettingsState.kube_server,
                    fact("API server", rx.text(SettingsState.kube_server, size="2", word_break="break-all",
                                               id="kube-server"))),
            fact("Saved", rx.text(SettingsState.kube_updated_at, size="2")),
            rx.cond(SettingsState.kube_problem,
                    rx.callout(SettingsState.kube_problem, icon="triangle_alert", color_scheme="amber",
                               width="100%")),
            spacing="2",
            width="100%",
        ),
        rx.callout("No kubeconfig yet: projects need one to create their sandbox and database.",
                   icon="info", width="100%", id="kube-missing"),
    )


def _kubeconfig_form() -> rx.Component:
    return settings_form(
        rx.el.label(rx.text(rx.cond(SettingsState.kube_present, "Replace with a new kubeconfig",
                                    "Paste your kubeconfig"), size="2", weight="medium"),
                    html_for=KUBECONFIG_INPUT_ID),
        rx.text_area(id=KUBECONFIG_INPUT_ID, name="kubeconfig", rows="8", placeholder=KUBECONFIG_PLACEHOLDER,
                     spell_check=False, auto_complete=False, font_family=MONOSPACE, size="1", width="100%",
                     resize="vertical"),
        rx.text("It is checked first: it must parse, have a current context with a namespace, and its "
                "API server must accept it and let you read that namespace. The stored kubeconfig is "
                "never shown again.", size="1", color_scheme="gray"),
        rx.button("Validate & save", type="submit", loading=SettingsState.kube_busy, id="save-kubeconfig"),
        on_submit=SettingsState.save_kubeconfig,
    )


def kubeconfig_section() -> rx.Component:
    return section(
        "Kubernetes", "container",
        "The kubeconfig your projects' sandboxes and databases are created with.",
        _kubeconfig_facts(),
        rx.cond(
            SettingsState.kube_from_sealos,
            rx.callout("Your kubeconfig comes from the Sealos desktop and is renewed each time you sign in, "
                       "so it cannot be changed here.", icon="lock", width="100%", id="kube-sealos"),
            rx.fragment(
                feedback(SettingsState.kube_error, SettingsState.kube_message, "kubeconfig"),
                _kubeconfig_form(),
            ),
        ),
        section_id="kubeconfig",
    )


# ---------------------------------------------------------------- system prompt

def system_prompt_section() -> rx.Component:
    return section(
        "System prompt", "message_square_text",
        "Instructions Claude Code follows in every sandbox. Each start puts them in the home volume, "
        "in ~/.claude, where Claude Code reads them.",
        rx.hstack(
            rx.cond(SettingsState.prompt_is_default,
                    rx.badge("Default", color_scheme="gray", id="prompt-kind"),
                    rx.badge("Custom", color_scheme="indigo", id="prompt-kind")),
            align="center",
        ),
        feedback(SettingsState.prompt_error, SettingsState.prompt_message, "prompt"),
        settings_form(
            rx.text_area(id=PROMPT_INPUT_ID, name="system_prompt", default_value=SettingsState.prompt_text,
                         rows="14", size="2", width="100%", resize="vertical", aria_label="System prompt"),
            rx.flex(
                rx.button("Save", type="submit", loading=SettingsState.prompt_busy, id="save-prompt"),
                rx.button("Reset to default", type="button", variant="soft", color_scheme="gray",
                          on_click=SettingsState.reset_prompt, disabled=SettingsState.prompt_busy,
                          id="reset-prompt"),
                spacing="3",
                wrap="wrap",
            ),
            on_submit=SettingsState.save_prompt,
        ),
        section_id="system-prompt-section",
    )


# ---------------------------------------------------------------- activity and account

def _activity_row(item: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(item["label"], size="2", weight="medium"),
        rx.text(item["at"], rx.cond(item["detail"], " · " + item["detail"].to(str), ""), size="1",
                color_scheme="gray", word_break="break-word"),
        padding_y="0.5em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="activity-item",
    )


def activity_section() -> rx.Component:
    return section(
        "Recent activity", "history",
        "Sign-ins, key and settings changes, provisioning and projects.",
        rx.cond(
            SettingsState.activity,
            rx.vstack(rx.foreach(SettingsState.activity, _activity_row), spacing="0", width="100%",
                      id="activity-list"),
            rx.text("No activity yet.", size="2", color_scheme="gray"),
        ),
        section_id="activity",
    )


def account_section() -> rx.Component:
    return section(
        "Account", "user",
        "You are signed in on this browser until you sign out.",
        fact("Name", rx.text(AuthState.user_name, size="2", weight="medium")),
        rx.button(rx.icon("log_out", size=14), "Sign out", on_click=AuthState.sign_out, variant="soft",
                  color_scheme="red", id="settings-sign-out"),
        section_id="account",
    )
