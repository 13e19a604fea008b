"""The app and the browser, started once per test session for all browser tests."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.support.app_server import run_app
from tests.support.browser import chromium
from tests.support.fake_k8s import FakeKubernetes

SCREENSHOTS = ARTIFACTS / "screenshots"


E2E_NAMESPACE = "ns-e2e"
SANDBOX_DOMAIN = "sandbox.test"


@pytest.fixture(scope="session")
def fake_k8s_server():
    """The cluster behind the app: objects become ready only when a test says so."""
    with FakeKubernetes(namespaces=[E2E_NAMESPACE], auto_ready=False, kubeblocks="manual") as fake:
        yield fake


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, fake_k8s_server):
    data_dir = tmp_path_factory.mktemp("app-data")
    env = {"DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir / 'app.db'}",
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

