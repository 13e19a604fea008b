import json
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser


def test_health_route_reports_the_database(app_server):
    with urllib.request.urlopen(f"{app_server.url}/api/health", timeout=5) as response:
        assert response.status == 200
        body = json.load(response)
    assert (body["status"], body["database"]) == ("ok", True)
    assert isinstance(body["worker"], int)


def test_home_page_renders_product_name_and_get_started(app_server, page):
    page.goto(app_server.url)
    expect(page.get_by_role("heading", name="Fullstack Agent")).to_be_visible()
    expect(page.get_by_role("button", name="Get Started")).to_be_visible()
    screenshot(page, "home-foundation")
