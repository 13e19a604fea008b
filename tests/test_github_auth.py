"""GitHub sign-in through the app's own routes against a real local fake GitHub."""

import json
import re
import time

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select
from starlette.testclient import TestClient

from fullstack_agent import crypto, db
from fullstack_agent.api import build_api
from fullstack_agent.models import AuditEvent, AuthProvider, User, UserIdentity
from fullstack_agent.services import github_auth, sessions
from tests.support.fake_github import fake_github  # noqa: F401  (fixture)
from tests.support.net import free_port

APP = "http://testserver"


@pytest.fixture
def github(settings_env, fake_github):  # noqa: F811
    settings_env(PUBLIC_URL=APP, **fake_github.settings)
    return fake_github


@pytest.fixture
def client():
    with TestClient(build_api(), base_url=APP) as test_client:
        yield test_client


def _start(client) -> str:
    response = client.get(github_auth.START_PATH, follow_redirects=False)
    assert response.status_code == 302
    return response.headers["location"]


def _authorize(authorize_url: str) -> str:
    """What the browser does at GitHub: follow the authorize page back to our callback."""
    response = httpx.get(authorize_url, follow_redirects=False)
    assert response.status_code == 302
    callback = response.headers["location"]
    assert callback.startswith(f"{APP}{github_auth.CALLBACK_PATH}?")
    return callback.removeprefix(APP)


def _session_token(page: str) -> str:
    match = re.search(r'localStorage\.setItem\("fullstack_agent_session", (".*?")\)', page)
    assert match, page
    return json.loads(match.group(1))


def _login_error(response) -> str:
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?error=")
    return location.removeprefix("/login?error=")


def test_happy_path_creates_the_user_and_hands_over_a_session(database, github, client):
    authorize_url = _start(client)
    assert authorize_url.startswith(f"{github.url}/login/oauth/authorize?")
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Fapi%2Fauth%2Fgithub%2Fcallback" in authorize_url
    response = client.get(_authorize(authorize_url), follow_redirects=False)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert 'window.location.replace("/projects")' in response.text
    user = sessions.current_user(_session_token(response.text))
    assert user.name == "Octo Cat"
    with db.session_scope() as session:
        identity = session.exec(select(UserIdentity)).one()
    assert (identity.provider, identity.provider_user_id) == (AuthProvider.GITHUB, "4242")
    assert identity.meta["login"] == "octocat" and crypto.decrypt(identity.meta["token"]).startswith("gho_")
    with db.get_engine().connect() as connection:
        dump = " ".join(str(v) for row in connection.execute(sa.text("SELECT * FROM user_identity")) for v in row)
    assert "gho_" not in dump


def test_a_second_sign_in_finds_the_same_user_and_refreshes_the_token(database, github, client):
    first = _session_token(client.get(_authorize(_start(client))).text)
    with db.session_scope() as session:
        old_token = session.exec(select(UserIdentity)).one().meta["token"]
    second = _session_token(client.get(_authorize(_start(client))).text)
    assert sessions.current_user(first).id == sessions.current_user(second).id
    with db.session_scope() as session:
        assert len(session.exec(select(User)).all()) == 1
        assert session.exec(select(UserIdentity)).one().meta["token"] != old_token


def test_a_callback_works_only_once(database, github, client):
    callback = _authorize(_start(client))
    assert client.get(callback).status_code == 200
    assert _login_error(client.get(callback, follow_redirects=False)) == "GitHubStateInvalid"


def test_a_tampered_state_is_refused(database, github, client):
    callback = _authorize(_start(client))
    tampered = re.sub(r"state=([^&]+)", lambda m: "state=" + m.group(1)[:-2] + "00", callback)
    assert _login_error(client.get(tampered, follow_redirects=False)) == "GitHubStateInvalid"
    with db.session_scope() as session:
        assert session.exec(select(User)).first() is None


def test_a_state_from_another_browser_is_refused(database, github, client):
    callback = _authorize(_start(client))
    with TestClient(build_api(), base_url=APP) as other_browser:
        assert _login_error(other_browser.get(callback, follow_redirects=False)) == "GitHubStateInvalid"


def test_an_expired_state_is_refused(database, github):
    redirect = github_auth.begin(now=time.time() - github_auth.STATE_TTL_SECONDS - 1)
    state = re.search(r"state=([^&]+)", redirect.url).group(1).replace("%2E", ".")
    with pytest.raises(github_auth.GitHubSignInError) as raised:
        github_auth.complete(code="code-x", state=state, cookie_nonce=redirect.nonce)
    assert raised.value.code == "GitHubStateInvalid"


def test_denied_consent_goes_back_to_login_with_the_reason(database, github, client):
    github.behaviour = "deny"
    assert _login_error(client.get(_authorize(_start(client)), follow_redirects=False)) == "GitHubDenied"


def test_token_endpoint_error_goes_back_to_login(database, github, client):
    github.behaviour = "token_error"
    assert _login_error(client.get(_authorize(_start(client)), follow_redirects=False)) == "GitHubTokenError"
    with db.session_scope() as session:
        failure = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")).one()
    assert failure.detail == "GitHubTokenError"


@pytest.mark.parametrize("profile", [{"login": "octocat"}, {"id": "4242", "login": "x"}, {"id": 1, "login": ""}, []])
def test_an_unusable_profile_is_refused(database, github, client, profile):
    github.profile = profile
    assert _login_error(client.get(_authorize(_start(client)), follow_redirects=False)) == "GitHubUserError"
    with db.session_scope() as session:
        assert session.exec(select(User)).first() is None


def test_unreachable_github_is_a_clear_error(database, github, client, settings_env):
    settings_env(GITHUB_TOKEN_URL=f"http://127.0.0.1:{free_port()}/login/oauth/access_token")
    assert _login_error(client.get(_authorize(_start(client)), follow_redirects=False)) == "GitHubTokenError"


@pytest.mark.parametrize("flags", [{"ENABLE_GITHUB_AUTH": "false"}, {"GITHUB_CLIENT_SECRET": ""}])
def test_disabled_github_refuses_start_and_callback(database, github, client, settings_env, flags):
    callback = _authorize(_start(client))
    settings_env(**flags)
    assert _login_error(client.get(github_auth.START_PATH, follow_redirects=False)) == "GitHubDisabled"
    assert _login_error(client.get(callback, follow_redirects=False)) == "GitHubDisabled"
