"""The app and the browser, started once per test session for all browser tests."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS
from tests.support.app_server import run_app
from tests.support.browser import chromium
from tests.support.fake_aiproxy import running_fake_aiproxy
from tests.support.fake_github import running_fake_github
from tests.support.fake_k8s import FakeKubernetes
from tests.support.sealos import JWT_SECRET

SCREENSHOTS = ARTIFACTS / "screenshots"
# A loaded machine (parallel builds, CI) can take seconds to hydrate a page in an iframe.
expect.set_options(timeout=15_000)


E2E_NAMESPACE = "ns-e2e"
SANDBOX_DOMAIN = "sandbox.test"


@pytest.fixture(scope="session")
def e2e_aiproxy():
    with running_fake_aiproxy() as server:
        yield server


@pytest.fixture
def aiproxy(e2e_aiproxy):
    """The session's fake Aiproxy, answering normally before and after the test."""
    e2e_aiproxy.behaviour, e2e_aiproxy.delay = "success", 0.0
    yield e2e_aiproxy
    e2e_aiproxy.behaviour, e2e_aiproxy.delay = "success", 0.0


@pytest.fixture(scope="session")
def e2e_github():
    with running_fake_github() as server:
        yield server


@pytest.fixture(scope="session")
def fake_k8s_server():
    """The cluster behind the project pages: objects become ready only when a test says so."""
    with FakeKubernetes(namespaces=[E2E_NAMESPACE], auto_ready=False, kubeblocks="manual") as fake:
        yield fake


@pytest.fixture(scope="session")
def e2e_k8s():
    """The Kubernetes API the settings tests' kubeconfigs point at; tests add their own namespaces."""
    with FakeKubernetes(namespaces=[]) as server:
        yield server


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, e2e_aiproxy, e2e_github, fake_k8s_server, e2e_k8s):
    data_dir = tmp_path_factory.mktemp("app-data")
    env = {"DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir / 'app.db'}",
           # Sign-in methods against local fakes: Sealos (JWTs signed by the tests), Aiproxy (whose
           # relay also answers the key-health check), GitHub.
           "SEALOS_JWT_SECRET": JWT_SECRET, "AIPROXY_ENDPOINT": e2e_aiproxy.url,
           "ANTHROPIC_BASE_URL": e2e_aiproxy.url, **e2e_github.settings,
           # The app's own reconciler drives projects in the fake cluster, at a test's pace.
           "RECONCILE_INTERVAL_SECONDS": "1", "SANDBOX_DOMAIN": SANDBOX_DOMAIN,
           "K8S_REQUEST_TIMEOUT_SECONDS": "5"}
    with run_app(env, ARTIFACTS / "logs" / "app.log") as app:
        yield app


@pytest.fixture(scope="session")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


# True once every animation that ends (dialogs fading in) has ended; spinners run forever.
_ANIMATIONS_SETTLED = """() => document.getAnimations().every(animation =>
    animation.playState !== 'running' || animation.effect?.getTiming().iterations === Infinity)"""


def screenshot(page, name: str, full_page: bool = True) -> None:
    """Writes test-artifacts/screenshots/<name>.png (the viewport only with full_page=False, for dialogs)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_function(_ANIMATIONS_SETTLED, timeout=5_000)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def screenshot_element(locator, name: str) -> None:
    """One part of a page (e.g. a settings section), whatever the page's length."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

