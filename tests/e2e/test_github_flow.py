import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def github(e2e_github):
    e2e_github.behaviour = "approve"
    yield e2e_github
    e2e_github.behaviour = "approve"


def test_continue_with_github_lands_on_projects(app_server, page, github):
    page.goto(f"{app_server.url}/login")
    page.get_by_role("link", name="Continue with GitHub").click()
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    expect(page.locator("#account-name")).to_have_text("Octo Cat")
    page.reload()
    expect(page.locator("#account-name")).to_have_text("Octo Cat")


def test_denied_github_consent_shows_the_reason_on_login(app_server, page, github):
    github.behaviour = "deny"
    page.goto(f"{app_server.url}/login")
    page.get_by_role("link", name="Continue with GitHub").click()
    expect(page).to_have_url(re.compile(r"/login/?\?error=GitHubDenied$"))
    expect(page.locator("#login-error")).to_have_text("GitHub sign-in was cancelled.")
