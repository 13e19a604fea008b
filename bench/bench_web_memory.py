"""Memory of one web worker with many open tabs (issue 8, SPEC §12).

Starts the app (one worker), creates an account in the browser (password sign-in), then opens
TABS tabs of that signed-in user on /projects in the same browser profile, as one user with
many tabs would, each waited on until its websocket delivered the hydrated state and the page
shows the account (every tab is its own Reflex client: own websocket, own state, its own
sign-in check and project poller), then reads the worker's resident memory. Runs twice when
Redis is up: with Reflex state in the worker's process (the default set-up) and in Redis (a
scaled-out deployment).

    .venv/bin/python bench/bench_web_memory.py [--tabs 50]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, BrowserContext, Page, expect  # noqa: E402

from tests.e2e.projects_support import submit_new_account  # noqa: E402
from tests.support.app_server import RunningApp, run_app  # noqa: E402
from tests.support.browser import chromium, goto_hydrated  # noqa: E402
from tests.support.redis_db import claimed_redis_database, redis_available  # noqa: E402

LOGS = ROOT / "bench" / "results" / "logs"
# Reading RSS right after the last tab would catch in-flight allocations; the pause is short
# against the minutes a tab stays open.
SETTLE_SECONDS = 3

def browser_session(browser: Browser, app: RunningApp) -> BrowserContext:
    """The browser profile the tabs share, signed in to a new account (its sign-in tab closed)."""
    session = browser.new_context()
    page = session.new_page()
    submit_new_account(page, app.url, f"bench{uuid.uuid4().hex[:8]}")
    expect(page.locator("#account-name")).to_be_visible()
    page.close()
    return session


def open_tab(session: BrowserContext, app: RunningApp) -> Page:
    """One more signed-in tab on /projects, connected, hydrated and showing the account."""
    page = session.new_page()
    goto_hydrated(page, f"{app.url}/projects")
    expect(page.locator("#account-name")).to_be_visible()
    return page


def worker_pid(app: RunningApp) -> int:
    with urllib.request.urlopen(f"{app.url}/api/health", timeout=10) as response:
        return json.load(response)["worker"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@contextlib.contextmanager
def app_with_state_in(state: str, data_dir: Path) -> Iterator[RunningApp]:
    env = {"DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir / 'bench.db'}", "GRANIAN_WORKERS": "1",
           "REDIS_URL": ""}
    with contextlib.ExitStack() as stack:
        if state == "redis":
            env["REDIS_URL"] = stack.enter_context(claimed_redis_database())
        yield stack.enter_context(run_app(env, LOGS / f"web-memory-{state}.log"))


def measure(state: str, tabs: int, browser: Browser) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="fa-bench-") as data_dir, \
            app_with_state_in(state, Path(data_dir)) as app:
        pid = worker_pid(app)
        session = browser_session(browser, app)
        open_tab(session, app)  # the first tab pays for lazy imports, not per-tab cost
        time.sleep(SETTLE_SECONDS)
        idle = rss_mb(pid)
        for _ in range(tabs - 1):
            open_tab(session, app)
        time.sleep(SETTLE_SECONDS)
        loaded = rss_mb(pid)
        assert worker_pid(app) == pid, "the worker restarted during the run"
        session.close()
    print(f"{state} state: worker {pid} {idle:.1f} MB with one tab, {loaded:.1f} MB with {tabs} tabs", flush=True)
    return {
        f"web worker RSS, 1 tab, {state} state (MB)": round(idle, 1),
        f"web worker RSS, {tabs} tabs, {state} state (MB)": round(loaded, 1),
        f"per extra tab, {state} state (KB)": round((loaded - idle) * 1024 / (tabs - 1), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tabs", type=int, default=50)
    args = parser.parse_args()
    if args.tabs < 2:
        parser.error("--tabs must be at least 2 (one tab is the baseline)")
    figures: dict[str, float | str] = {}
    states = ["memory"] + (["redis"] if redis_available() is None else [])
    with chromium() as browser:
        for state in states:
            figures.update(measure(state, args.tabs, browser))
    if "redis" not in states:
        figures["redis state"] = f"not measured: {redis_available()}"
    print(json.dumps({"benchmark": f"web worker memory, {args.tabs} signed-in tabs", "figures": figures}))


if __name__ == "__main__":
    main()
