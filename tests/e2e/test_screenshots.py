"""Screenshots for a person to look at (test-artifacts/screenshots/): the home page stand-alone
and in the desktop (error state, overlay) and the login page, at 360 and 1280 px, light and dark."""

import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.support.fake_desktop import running_fake_desktop
from tests.support.sealos import desktop_user, kubeconfig_for, make_token

pytestmark = pytest.mark.browser

VIEWPORTS = {360: {"width": 360, "height": 740}, 1280: {"width": 1280, "height": 800}}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_home_login_overlay_and_error_screenshots(app_server, browser, e2e_aiproxy, width, scheme):
    context = browser.new_context(viewport=VIEWPORTS[width], color_scheme=scheme)
    page = context.new_page()
    suffix = f"{width}-{scheme}"
    try:
        page.goto(app_server.url)
        expect(page.get_by_role("button", name="Get Started")).to_be_enabled()
        screenshot(page, f"home-{suffix}")

        page.goto(f"{app_server.url}/login")
        expect(page.get_by_label("Username")).to_be_visible()
        screenshot(page, f"login-{suffix}")

        user_id = "shot" + uuid.uuid4().hex[:8]
        with running_fake_desktop("localhost", app_server.url) as desktop:
            desktop.session = {"token": make_token(user_id, exp=int(time.time()) - 60),
                               "kubeconfig": kubeconfig_for(user_id), "user": desktop_user(user_id)}
            page.goto(desktop.page_url("ok"))
            app = page.frame_locator("#app")
            app.get_by_role("button", name="Get Started").click()
            expect(app.locator("#sealos-error-code")).to_have_text("SealosTokenExpired")
            screenshot(page, f"home-error-{suffix}")

            page.evaluate("token => { window.desktopSession.token = token; }", make_token(user_id))
            e2e_aiproxy.behaviour, e2e_aiproxy.delay = "slow", 1.5
            app.get_by_role("button", name="Get Started").click()
            expect(app.locator("#sealos-overlay")).to_be_visible()
            screenshot(page, f"overlay-{suffix}")
            expect(app.get_by_role("heading", name="Projects")).to_be_visible(timeout=10_000)
    finally:
        e2e_aiproxy.behaviour, e2e_aiproxy.delay = "success", 0.0
        context.close()
