"""The Sealos flow in a real browser: the app inside a desktop page that answers the SDK protocol."""

import contextlib
import re
import time
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session, select

from fullstack_agent.models import AuthProvider, User, UserIdentity
from fullstack_agent.services import user_config
from tests.e2e.conftest import screenshot
from tests.support.fake_aiproxy import stable_key
from tests.support.fake_desktop import running_fake_desktop
from tests.support.sealos import desktop_user, kubeconfig_for, make_token

pytestmark = pytest.mark.browser


@pytest.fixture
def desktop(app_server):
    with running_fake_desktop("localhost", app_server.url) as server:
        yield server


@pytest.fixture
def cross_site_desktop(app_server):
    with running_fake_desktop("127.0.0.1", app_server.url) as server:
        yield server


@contextlib.contextmanager
def app_database(app_server):
    engine = sa.create_engine(app_server.env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _new_sealos_user(desktop, **token_claims) -> str:
    user_id = "e2e" + uuid.uuid4().hex[:10]
    desktop.session = {"token": make_token(user_id, **token_claims), "kubeconfig": kubeconfig_for(user_id),
                       "user": desktop_user(user_id, name=f"Sealos {user_id}")}
    return user_id


def _users_named(app_server, sealos_user_id: str) -> list[User]:
    with app_database(app_server) as session:
        return session.exec(select(User).where(User.name == f"Sealos {sealos_user_id}")).all()


def _wait_for_frame_path(page, path: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(rf"{re.escape(path)}/?$", page.frame(name="app").url):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the app frame is at {page.frame(name='app').url}, not {path}")


def _click_get_started(page, desktop, mode: str):
    """Opens the desktop page in `mode`, clicks *Get Started* in the app and returns the app frame."""
    page.goto(desktop.page_url(mode))
    app = page.frame_locator("#app")
    app.get_by_role("button", name="Get Started").click()
    return app


def test_get_started_in_the_desktop_signs_in_and_provisions(app_server, page, desktop, aiproxy):
    user_id = _new_sealos_user(desktop)
    aiproxy.behaviour, aiproxy.delay = "slow", 1.0  # long enough to see the overlay
    page.goto(desktop.page_url("ok"))
    app = page.frame_locator("#app")
    expect(app.locator("#sealos-hint")).to_be_visible()
    button = app.get_by_role("button", name="Get Started")
    expect(button).to_be_enabled()
    button.click()
    expect(app.locator("#sealos-overlay")).to_contain_text("Authenticating with Sealos...")
    _wait_for_frame_path(page, "/projects")
    expect(app.get_by_role("heading", name="Projects")).to_be_visible()
    expect(app.locator("#account-name")).to_have_text(f"Sealos {user_id}")

    with app_database(app_server) as session:
        identity = session.exec(select(UserIdentity).where(UserIdentity.provider_user_id == user_id)).one()
        assert identity.provider is AuthProvider.SEALOS
        configs = user_config.get_values(session, identity.user_id)
        assert configs["KUBECONFIG"].plain_value == kubeconfig_for(user_id)
        assert configs["ANTHROPIC_API_KEY"].plain_value == stable_key(f"fullstackagent-{user_id}")
    # The kubeconfig went to the server once and never came back into the page's state.
    assert "kube-token-of" not in page.frame(name="app").content()
    assert page.evaluate("window.desktopRequests").count("user.getInfo") == 2  # detection + sign-in

    page.reload()  # the session survives a reload of the desktop page
    expect(page.frame_locator("#app").get_by_role("button", name="Go to Projects")).to_be_visible()


def test_an_expired_token_shows_the_error_and_a_fresh_one_works_without_reload(app_server, page, desktop, aiproxy):
    user_id = _new_sealos_user(desktop, exp=int(time.time()) - 60)
    app = _click_get_started(page, desktop, "ok")
    expect(app.locator("#sealos-error-code")).to_have_text("SealosTokenExpired")
    expect(app.locator("#sealos-error")).to_contain_text("expired")
    assert _users_named(app_server, user_id) == []

    page.evaluate("token => { window.desktopSession.token = token; }", make_token(user_id))
    button = app.get_by_role("button", name="Get Started")
    expect(button).to_be_enabled()
    button.click()
    _wait_for_frame_path(page, "/projects")
    assert len(_users_named(app_server, user_id)) == 1


def test_a_failed_provisioning_signs_in_and_shows_a_notice(app_server, page, desktop, aiproxy):
    _new_sealos_user(desktop)
    aiproxy.behaviour = "http_401"
    app = _click_get_started(page, desktop, "ok")
    _wait_for_frame_path(page, "/projects")
    expect(app.get_by_text("could not be set up through Aiproxy")).to_be_visible()
    expect(app.get_by_text("Invalid K8s config", exact=False)).to_be_visible()


def test_a_desktop_refusing_the_session_shows_a_clear_error(app_server, page, desktop, aiproxy):
    user_id = _new_sealos_user(desktop)
    app = _click_get_started(page, desktop, "refuse")
    expect(app.locator("#sealos-error-code")).to_have_text("SealosDesktopRefused")
    expect(app.locator("#sealos-error")).to_contain_text("no login in")
    assert _users_named(app_server, user_id) == []


@pytest.mark.parametrize("mode", ["silent", "wrong-id", "other-window"])
def test_unanswered_or_foreign_replies_are_ignored(app_server, page, desktop, aiproxy, mode):
    user_id = _new_sealos_user(desktop)
    page.goto(desktop.page_url(mode))
    app = page.frame_locator("#app")
    button = app.get_by_role("button", name="Get Started")
    expect(button).to_be_disabled()  # still detecting
    expect(button).to_be_enabled(timeout=8000)  # detection gave up: not in the desktop
    expect(app.locator("#sealos-hint")).to_have_count(0)
    button.click()
    _wait_for_frame_path(page, "/login")
    assert _users_named(app_server, user_id) == []


def test_cross_site_desktop_page_shows_no_application_error_and_signs_in(app_server, page, cross_site_desktop,
                                                                          aiproxy):
    user_id = _new_sealos_user(cross_site_desktop)
    page.goto(cross_site_desktop.page_url("ok"))
    app = page.frame_locator("#app")
    button = app.get_by_role("button", name="Get Started")
    expect(button).to_be_enabled()
    assert page.frame(name="app").evaluate("window.__fullstackAgentMemoryStorage === true")
    expect(app.get_by_text("Application Error")).to_have_count(0)
    button.click()
    _wait_for_frame_path(page, "/projects")
    expect(app.locator("#account-name")).to_have_text(f"Sealos {user_id}")
    expect(app.get_by_text("Application Error")).to_have_count(0)
