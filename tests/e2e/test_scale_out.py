"""Several web workers, the way a scaled-out deployment runs (README "Scale-out"): two granian
workers behind one port, Reflex state in Redis, the data in PostgreSQL, and a front end
exported for static hosting on another origin talking to them.

Flows that need sign-in or projects run against `scaled_app` like any browser test: open tabs
with `goto_hydrated(page, scaled_app.url + ...)`; each tab's websocket lands on one of the
workers, `worker_pids` shows which workers serve and `workers_holding_connections` which of
them hold the browser's connections."""

from __future__ import annotations

import concurrent.futures
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import E2E_NAMESPACE, SANDBOX_DOMAIN, screenshot
from tests.e2e.projects_support import (
    app_database,
    card,
    card_status,
    create_in_dialog,
    expect_status,
    give_kubeconfig,
    sign_up,
)
from tests.support import databases
from tests.support.app_server import RunningApp, run_app
from tests.support.browser import goto_hydrated
from tests.support.fake_k8s import FakeKubernetes
from tests.support.local_servers import require_server
from tests.support.net import free_port
from tests.support.project_copy import project_copy
from tests.support.redis_db import claimed_redis_database, redis_available
from tests.support.static_site import export_frontend, serve_static

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

WORKERS = 2
LOGS = ARTIFACTS / "logs"
# Bounds the tabs opened until every worker holds one of the browser's connections; with two
# workers, ten tabs all landing on the same one has a chance of 1 in 512.
MAX_TABS = 10


@pytest.fixture(scope="module")
def static_port() -> int:
    """The port of the static front end, known before the app starts (its CORS list names it)."""
    return free_port()


@pytest.fixture(scope="module")
def scaled_k8s():
    """The cluster of the scaled-out app's projects: everything becomes ready at once."""
    with FakeKubernetes(namespaces=[E2E_NAMESPACE]) as fake:
        yield fake


@pytest.fixture(scope="module")
def scaled_app(tmp_path_factory, static_port):
    require_server(databases.postgres_available())
    require_server(redis_available())
    database_url = databases.create_postgres_database()
    port = free_port()
    try:
        with claimed_redis_database() as redis_url:
            env = {
                "DATA_DIR": str(tmp_path_factory.mktemp("scale-out-data")),
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "GRANIAN_WORKERS": str(WORKERS),
                "CORS_ALLOWED_ORIGINS": f"http://localhost:{port},http://127.0.0.1:{static_port}",
                # Every worker runs a reconciler; the claims share the projects among them.
                "RECONCILE_INTERVAL_SECONDS": "1", "SANDBOX_DOMAIN": SANDBOX_DOMAIN,
            }
            with run_app(env, LOGS / "scale-out.log", port=port) as app:
                yield app
    finally:
        databases.drop_postgres_database(database_url)


def _health(app: RunningApp) -> dict:
    with urllib.request.urlopen(f"{app.url}/api/health", timeout=10) as response:
        assert response.status == 200
        return json.load(response)


def worker_pids(app: RunningApp, requests: int = 60) -> set[int]:
    """The workers that answered `requests` concurrent health checks (the kernel spreads the
    connections over the workers' accept queues)."""
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda _: _health(app), range(requests)))
    assert all(body["database"] is True for body in bodies)
    return {body["worker"] for body in bodies}


def _established_socket_inodes(port: int) -> set[str]:
    """The inodes of the established TCP connections whose local port is `port` (the server side)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if local_port == port and state == "01":
                inodes.add(inode)
    return inodes


def workers_holding_connections(app: RunningApp, pids: set[int]) -> set[int]:
    """The workers among `pids` that hold an open connection to the app's port right now."""
    inodes = _established_socket_inodes(app.port)
    holding = set()
    for pid in pids:
        fd_dir = Path(f"/proc/{pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
            except FileNotFoundError:  # closed while we looked
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                holding.add(pid)
                break
    return holding


def all_worker_pids(app: RunningApp) -> set[int]:
    seen: set[int] = set()
    for _ in range(10):  # a bounded number of rounds, never a time limit
        seen |= worker_pids(app)
        if len(seen) == WORKERS:
            break
    assert len(seen) == WORKERS, f"only workers {seen} answered; the log is {app.log_path}"
    return seen


def test_every_worker_serves_and_reaches_postgresql_and_redis(scaled_app):
    all_worker_pids(scaled_app)
    with urllib.request.urlopen(f"{scaled_app.url}/_health", timeout=10) as response:
        assert json.load(response) == {"status": True, "redis": True}


def test_tab_state_lives_in_redis_and_pages_keep_working_across_reloads(scaled_app, page):
    goto_hydrated(page, scaled_app.url)
    expect(page.get_by_role("heading", name="Fullstack Agent")).to_be_visible()
    client_token = page.evaluate("window.sessionStorage.getItem('token')")
    with redis.Redis.from_url(scaled_app.env["REDIS_URL"]) as client:
        assert client.keys(f"{client_token}_*"), "the tab's state is not in Redis"
    for _ in range(3):  # each load opens a new websocket, which may land on another worker
        goto_hydrated(page, scaled_app.url)
        assert page.evaluate("window.sessionStorage.getItem('token')") == client_token
    screenshot(page, "scale-out-home")


def test_sign_in_and_project_creation_work_across_the_workers(scaled_app, scaled_k8s, browser, settings_env):
    pids = all_worker_pids(scaled_app)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        with app_database(settings_env, scaled_app):
            first = context.new_page()
            account = sign_up(first, scaled_app.url)
            give_kubeconfig(scaled_k8s, account)
            tabs = [first]
            # Each signed-in tab has its own websocket, which may land on either worker.
            while workers_holding_connections(scaled_app, pids) != pids and len(tabs) < MAX_TABS:
                tab = context.new_page()
                goto_hydrated(tab, f"{scaled_app.url}/projects")
                expect(tab.locator("#account-name")).to_have_text(account.username)
                tabs.append(tab)
            assert workers_holding_connections(scaled_app, pids) == pids, \
                f"{len(tabs)} tabs were all served by one worker; the log is {scaled_app.log_path}"

            creator = tabs[-1]
            project_id = create_in_dialog(creator, "Scaled shop")
            # The card and its statuses reach every open tab, whichever worker serves it.
            for tab in tabs:
                expect(card(tab, project_id)).to_contain_text("Scaled shop")
                expect_status(card_status(tab, project_id), "RUNNING", timeout=30_000)
            screenshot(creator, "scale-out-projects")
    finally:
        context.close()


def test_cors_admits_only_the_listed_origins(scaled_app, static_port):
    preflight = {"Access-Control-Request-Method": "GET"}
    listed = f"http://127.0.0.1:{static_port}"
    request = urllib.request.Request(f"{scaled_app.url}/api/health", method="OPTIONS",
                                     headers={"Origin": listed, **preflight})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] == listed
    request = urllib.request.Request(f"{scaled_app.url}/api/health", method="OPTIONS",
                                     headers={"Origin": "http://elsewhere.example", **preflight})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400


def test_static_front_end_on_another_origin_works_with_the_workers(scaled_app, static_port, page):
    with project_copy() as project_dir:
        site = export_frontend(project_dir, scaled_app.url, LOGS / "scale-out-export.log")
        with serve_static(site, port=static_port) as origin:
            goto_hydrated(page, origin)
            expect(page.get_by_role("button", name="Get Started")).to_be_visible()
            screenshot(page, "static-front-end")
