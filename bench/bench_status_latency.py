"""From a status change written to the database to the new status on an open page (SPEC §12: ≤ 2 s).

Starts the app (its reconciler off, so only this script writes statuses) on a fresh SQLite
database, signs a user in by handing Chromium a session token, opens `/projects` and the
project's page, then flips the project's status in the database again and again at random
moments and records, in the page, when the badge changed (a MutationObserver stamps the
wall clock, shared with this process). Prints the figures; the last line is the JSON report
(bench/README.md).

    .venv/bin/python bench/bench_status_latency.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from fullstack_agent import db  # noqa: E402
from fullstack_agent.config import reload_settings  # noqa: E402
from fullstack_agent.models import AuthProvider, ConfigSource, Project, ProjectStatus, User, utcnow  # noqa: E402
from fullstack_agent.services import projects, sessions, user_config  # noqa: E402
from fullstack_agent.services.sessions import BROWSER_STORAGE_KEY  # noqa: E402
from tests.support.app_server import run_app  # noqa: E402
from tests.support.browser import chromium  # noqa: E402

# Never contacted: the reconciler is off; creating a project only parses it.
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
contexts: [{name: c, context: {cluster: c, user: u, namespace: bench}}]
current-context: c
users: [{name: u, user: {token: t}}]
"""
# Stamps (wall clock, ms) every change of the watched badge's data-status.
WATCH_BADGE = """selector => {
    window.__statusChanges = [];
    const badge = () => document.querySelector(selector);
    new MutationObserver(() => {
        const current = badge();
        const status = current ? current.getAttribute('data-status') : null;
        const changes = window.__statusChanges;
        if (status && (!changes.length || changes[changes.length - 1].status !== status)) {
            changes.push({status, at: Date.now()});
        }
    }).observe(document.body, {subtree: true, childList: true, attributes: true,
                               attributeFilter: ['data-status']});
}"""


def _seed() -> tuple[str, str]:
    """A user with a session and one project; returns (session token, project id)."""
    with db.session_scope() as session:
        user = User(name="bench")
        session.add(user)
        session.flush()
        user_config.set_value(session, user.id, user_config.KUBECONFIG, KUBECONFIG, source=ConfigSource.manual)
        project = projects.create_project(session, user.id, "Latency", "status to screen")
        project.status = ProjectStatus.STOPPED
        return sessions.create_session(session, user.id, AuthProvider.PASSWORD), project.id


def _write_status(project_id: str, status: ProjectStatus) -> float:
    """Commits the new status the way the reconciler does; returns the commit time (ms)."""
    with db.session_scope() as session:
        session.execute(sa.update(Project).where(Project.id == project_id)
                        .values(status=status, updated_at=utcnow()))
    return time.time() * 1000


def _measure(page, selector: str, project_id: str, runs: int) -> list[float]:
    page.evaluate(WATCH_BADGE, selector)
    latencies = []
    current = page.get_attribute(selector, "data-status")
    for _ in range(runs):
        time.sleep(random.uniform(0.2, 1.2))  # land anywhere between two ticks of the page
        target = ProjectStatus.RUNNING if current != ProjectStatus.RUNNING.value else ProjectStatus.STOPPED
        written = _write_status(project_id, target)
        page.wait_for_function("([selector, status]) => document.querySelector(selector)"
                               "?.getAttribute('data-status') === status",
                               arg=[selector, target.value], timeout=10_000, polling=50)
        change = page.evaluate("window.__statusChanges[window.__statusChanges.length - 1]")
        latencies.append(change["at"] - written)
        current = target.value
    return latencies


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"median": round(statistics.median(ordered), 1),
            "p90": round(ordered[max(0, int(len(ordered) * 0.9) - 1)], 1),
            "max": round(ordered[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="status changes per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-status-") as data_dir:
        # This process writes to the app's database with the app's key.
        env = {"DATA_DIR": data_dir, "DATABASE_URL": f"sqlite:///{data_dir}/app.db",
               "SECRET_KEY": secrets.token_urlsafe(32), "RECONCILER_ENABLED": "false"}
        os.environ.update(env)
        reload_settings()
        db.reset_engine()
        with run_app(env, Path(data_dir) / "app.log") as app:
            token, project_id = _seed()
            with chromium() as browser:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_init_script(f"localStorage.setItem({json.dumps(BROWSER_STORAGE_KEY)}, {json.dumps(token)})")
                page = context.new_page()
                page.goto(f"{app.url}/projects")
                list_badge = f'[data-project-id="{project_id}"] [data-status]'
                page.wait_for_selector(list_badge)
                on_list = _measure(page, list_badge, project_id, args.runs)
                print("list page (ms):", [round(value) for value in on_list], file=sys.stderr)
                page.goto(f"{app.url}/projects/{project_id}")
                page.wait_for_selector("#project-status")
                on_detail = _measure(page, "#project-status", project_id, args.runs)
                print("project page (ms):", [round(value) for value in on_detail], file=sys.stderr)
                context.close()
    both = on_list + on_detail
    figures = {f"{name} {key} (ms)": value for name, latencies in (("list", on_list), ("project page", on_detail))
               for key, value in _summary(latencies).items()}
    figures = {"status change to screen, median (ms)": round(statistics.median(both), 1), **figures,
               "changes measured": len(both)}
    print(json.dumps({"benchmark": "status change to screen",
                      "figures": figures,
                      "budgets": {"status change to screen, median (ms)": "≤ 2000",
                                  "list max (ms)": "≤ 2000", "project page max (ms)": "≤ 2000"}},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
