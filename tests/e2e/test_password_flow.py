import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.projects_support import submit_new_account

pytestmark = pytest.mark.browser


def test_create_account_reload_home_and_sign_out(app_server, page):
    username = f"ada{uuid.uuid4().hex[:6]}"
    page.goto(app_server.url)
    page.get_by_role("button", name="Get Started").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_label("Username")).to_be_visible()

    submit_new_account(page, app_server.url, username, "a long enough password")
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text(username)

    page.reload()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text(username)

    page.goto(app_server.url)
    expect(page.get_by_role("button", name="Go to Projects")).to_be_visible()

    page.goto(f"{app_server.url}/projects")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Get Started")).to_be_visible()
    page.goto(f"{app_server.url}/projects")
    expect(page).to_have_url(re.compile(r"/login/?$"))


def test_login_shows_inline_errors(app_server, page):
    page.goto(f"{app_server.url}/login")
    page.get_by_label("Username").fill("nobody-here")
    page.get_by_label("Password").fill("whatever123")
    page.locator("#login-submit").click()
    expect(page.locator("#login-error")).to_have_text("Wrong username or password.")
    screenshot(page, "login-error-1280")

    submit_new_account(page, app_server.url, f"bob{uuid.uuid4().hex[:6]}", "short")
    expect(page.locator("#login-error")).to_contain_text("at least 8 characters")


def test_private_page_without_session_goes_to_login(app_server, page):
    page.goto(f"{app_server.url}/projects")
    expect(page).to_have_url(re.compile(r"/login/?$"))


def test_the_prerendered_login_form_cannot_be_sent_before_the_app_is_live(app_server, page):
    # Served before any script ran: a submit here would be the browser's own GET with the password.
    prerendered = httpx.get(f"{app_server.url}/login/", timeout=10).text
    assert re.search(r"<fieldset[^>]*\bdisabled\b", prerendered)

    page.goto(f"{app_server.url}/login")
    expect(page.get_by_label("Password")).to_be_editable()
    page.get_by_text("Create account", exact=True).first.click()
    expect(page.locator("#login-submit")).to_have_text("Create account")
