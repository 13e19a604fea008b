"""The AuthState contract other state classes build on, exercised on state objects directly."""

import asyncio

import pytest
import reflex as rx

import fullstack_agent.fullstack_agent  # noqa: F401  (registers every state class of the app)
from fullstack_agent.services import password_auth, sessions
from fullstack_agent.state.auth import SESSION_STORAGE_KEY, AuthState
from fullstack_agent.state.home import HomeState

PASSWORD = "correct horse battery"


def _state(cls):
    root = rx.State()
    return root.get_substate(cls.get_full_name().split(".")[1:])


def _redirect_path(spec) -> str:
    specs = spec if isinstance(spec, list) else [spec]
    for item in specs:
        args = {key._js_expr: getattr(value, "_var_value", value) for key, value in item.args}
        if "path" in args:
            return args["path"]
    raise AssertionError(f"no redirect in {spec}")


def test_the_token_lives_in_synced_local_storage():
    field = AuthState.get_fields()["session_token"]
    default = field.default
    assert isinstance(default, rx.LocalStorage) and default.name == SESSION_STORAGE_KEY and default.sync


def test_current_user_id_resolves_the_token_each_time(database):
    signed_in = password_auth.create_account("ada", PASSWORD)
    state = _state(AuthState)
    state.session_token = signed_in.token
    assert asyncio.run(state._current_user_id()) == signed_in.user_id
    assert state.signed_in and state.user_name == "ada"
    sessions.sign_out(signed_in.token)  # e.g. from another tab
    assert asyncio.run(state._current_user_id()) is None
    assert not state.signed_in and state.user_name == "" and state.session_token == ""


def test_a_substate_sees_only_the_user_of_its_own_token(database):
    ada = password_auth.create_account("ada", PASSWORD)
    bob = password_auth.create_account("bob", PASSWORD)
    state = _state(HomeState)
    state.session_token = bob.token
    assert asyncio.run(state._current_user_id()) == bob.user_id != ada.user_id
    state.session_token = "forged-" + ada.token[:10]
    assert asyncio.run(state._current_user_id()) is None


def test_check_login_sends_a_signed_out_browser_to_login(database):
    state = _state(AuthState)
    assert _redirect_path(asyncio.run(AuthState.event_handlers["check_login"].fn(state))) == "/login"
    state.session_token = password_auth.create_account("ada", PASSWORD).token
    assert asyncio.run(AuthState.event_handlers["check_login"].fn(state)) is None


def test_sign_out_revokes_the_session_and_goes_home(database):
    token = password_auth.create_account("ada", PASSWORD).token
    state = _state(AuthState)
    state.session_token = token
    assert _redirect_path(asyncio.run(AuthState.event_handlers["sign_out"].fn(state))) == "/"
    assert state.session_token == "" and not state.signed_in
    assert sessions.current_user(token) is None


@pytest.mark.parametrize(("signed_in", "environment", "disabled", "label"), [
    (False, "detecting", True, "Get Started"),
    (False, "standalone", False, "Get Started"),
    (False, "sealos", False, "Get Started"),
    (True, "standalone", False, "Go to Projects"),
    (True, "sealos", False, "Go to Projects"),
])
def test_home_button_matrix(signed_in, environment, disabled, label):
    state = _state(HomeState)
    state.signed_in, state.environment = signed_in, environment
    assert state.primary_label == label and state.primary_disabled is disabled
    state.signing_in = True
    assert state.primary_disabled is True


def _run(state, handler: str, *args):
    return asyncio.run(type(state).event_handlers[handler].fn(state, *args))


def test_get_started_outside_the_desktop_goes_to_login(database):
    state = _state(HomeState)
    state.environment = "standalone"
    assert _redirect_path(_run(state, "get_started")) == "/login"


def test_get_started_does_nothing_while_detecting(database):
    state = _state(HomeState)
    assert state.environment == "detecting"
    assert _run(state, "get_started") is None and not state.signing_in


def test_get_started_when_signed_in_goes_to_projects(database):
    state = _state(HomeState)
    state.environment, state.session_token = "sealos", password_auth.create_account("ada", PASSWORD).token
    assert _redirect_path(_run(state, "get_started")) == "/projects"


def test_get_started_in_the_desktop_asks_the_bridge_and_shows_the_overlay(database):
    state = _state(HomeState)
    state.environment = "sealos"
    spec = _run(state, "get_started")
    assert state.signing_in and "fullstackAgentDesktop.getSession()" in str(spec.args)


def test_a_bridge_failure_shows_code_and_sentence_and_allows_a_retry(database):
    state = _state(HomeState)
    state.environment, state.signing_in = "sealos", True
    _run(state, "finish_sealos_sign_in", {"ok": False, "code": "SealosDesktopRefused", "message": "no login in"})
    assert state.error_code == "SealosDesktopRefused" and "no login in" in state.error_message
    assert not state.signing_in and not state.primary_disabled
    state.signing_in = True
    _run(state, "finish_sealos_sign_in", {"ok": False, "code": "<script>", "message": 5})
    assert state.error_code == "SealosDesktopBadReply"


def test_a_late_reply_after_the_attempt_ended_is_ignored(database):
    state = _state(HomeState)
    state.environment = "sealos"
    assert _run(state, "finish_sealos_sign_in", {"ok": True, "token": "x", "kubeconfig": "y"}) is None
    assert state.error_code == "" and not state.signed_in


def test_a_server_refusal_shows_its_code(database, settings_env):
    settings_env(SEALOS_JWT_SECRET="a-secret-that-is-long-enough-for-hs256-signing!")
    state = _state(HomeState)
    state.environment, state.signing_in = "sealos", True
    _run(state, "finish_sealos_sign_in", {"ok": True, "token": "", "kubeconfig": "", "user": {}})
    assert state.error_code == "SealosTokenRequired" and state.session_token == ""


def test_login_shows_only_enabled_methods(database, settings_env):
    from fullstack_agent.state.login import LoginState

    state = _state(LoginState)
    settings_env(ENABLE_PASSWORD_AUTH="false", ENABLE_GITHUB_AUTH="true", GITHUB_CLIENT_ID="id",
                 GITHUB_CLIENT_SECRET="secret")
    _run(state, "load")
    assert (state.password_enabled, state.github_enabled) == (False, True)
    settings_env(ENABLE_PASSWORD_AUTH="true", ENABLE_GITHUB_AUTH="true", GITHUB_CLIENT_SECRET="")
    _run(state, "load")
    assert (state.password_enabled, state.github_enabled) == (True, False)


def test_home_skips_desktop_detection_when_sealos_sign_in_is_off(database, settings_env):
    settings_env(ENABLE_SEALOS_AUTH="false", SEALOS_JWT_SECRET="a-secret-that-is-long-enough-for-hs256-signing!")
    state = _state(HomeState)
    assert _run(state, "load") is None
    assert state.environment == "standalone" and not state.primary_disabled
    settings_env(ENABLE_SEALOS_AUTH="true")
    spec = _run(state, "load")
    assert state.environment == "detecting" and "fullstackAgentDesktop.detect()" in str(spec.args)
