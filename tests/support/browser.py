"""Playwright driving Debian's Chromium (Playwright's own browser download is not used)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from playwright.sync_api import Browser, Page, WebSocket, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# What Reflex's websocket sends once the tab's state exists on the server and the page is live.
HYDRATED_FRAME = '"is_hydrated_rx_state_":true'


def goto_hydrated(page: Page, url: str, timeout: float = 30) -> None:
    """Opens `url` and waits until the app's websocket delivered the hydrated state, i.e. the
    page is connected to a web worker and events work."""
    hydrated: list[bool] = []

    def watch(websocket: WebSocket) -> None:
        websocket.on("framereceived",
                     lambda payload: hydrated.append(isinstance(payload, str) and HYDRATED_FRAME in payload))

    page.on("websocket", watch)
    try:
        page.goto(url)
        deadline = time.monotonic() + timeout
        while not any(hydrated):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: no hydrated state over the websocket after {timeout}s")
            page.wait_for_timeout(50)
    finally:
        page.remove_listener("websocket", watch)
