"""Reconciler benchmark (SPEC §12).

1. N projects (default 1,000) are created and the real scheduler drives them to RUNNING
   against the local fake Kubernetes API server, which runs in a process of its own (as a
   real API server would). Reported: projects per second reaching RUNNING.
2. The exact requests the reconciler sent are replayed directly with the `kubernetes`
   client against a fresh server, with as many threads as the reconciler had, each
   project's requests in their original order. Reported: projects per second the server
   alone can serve. The budget: (1) ≥ 50 % of (2).
3. An idle pass over settled rows (default 10,000 sandboxes and 10,000 databases): the SQL
   statements it costs (budget ≤ 2) and its duration.

SQLite always, then PostgreSQL (a scratch database, in a child process) when its test server
answers; `--database-url` measures that database only.

Run: `.venv/bin/python bench/bench_reconciler.py [--projects N] [--idle-rows N] [--database-url URL]`
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kubernetes.client.exceptions import ApiException  # noqa: E402
NAMESPACE = "ns-bench"
TOKEN = "bench-token"
_SLUG = re.compile(r"^(bench-\d+-[a-z0-9]{8})")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=1000, help="pending projects (default 1000)")
    parser.add_argument("--idle-rows", type=int, default=10000, help="settled rows per table (default 10000)")
    parser.add_argument("--batch", type=int, default=50, help="MAX_*_PER_RECONCILE (default 50)")
    parser.add_argument("--threads", type=int, default=8, help="RECONCILE_HANDLER_THREADS (default 8)")
    parser.add_argument("--database-url", default="",
                        help="measure only this (empty scratch) database; default: a fresh SQLite file, then PostgreSQL")
    return parser.parse_args()


def _configure(args: argparse.Namespace, data_dir: Path, name: str) -> None:
    url = args.database_url or f"sqlite:///{data_dir / name}"
    os.environ.update({
        "DATA_DIR": str(data_dir), "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "LOG_LEVEL": "WARNING",
        "SANDBOX_DOMAIN": "bench.test", "MAX_SANDBOXES_PER_RECONCILE": str(args.batch),
        "MAX_DATABASES_PER_RECONCILE": str(args.batch), "RECONCILE_HANDLER_THREADS": str(args.threads),
    })


class FakeServerProcess:
    """The fake API server in its own process, so it does not share our interpreter lock."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.fake_k8s", "--namespace", NAMESPACE, "--token", TOKEN,
             "--auto-ready"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def admin(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}/_fake/{path}", method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _kubeconfig(server_url: str) -> str:
    return ("apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: bench\n  cluster:\n    server: {server_url}\n"
            f"contexts:\n- name: bench\n  context:\n    cluster: bench\n    user: bench\n    namespace: {NAMESPACE}\n"
            "current-context: bench\n"
            f"users:\n- name: bench\n  user:\n    token: {TOKEN}\n")


def create_projects(args: argparse.Namespace, server: FakeServerProcess) -> None:
    from fullstack_agent import db
    from sqlmodel import select

    from fullstack_agent.models import ConfigSource, User
    from fullstack_agent.services import projects, user_config

    db.migrate()
    with db.session_scope() as session:
        if session.exec(select(User.id)).first() is not None:
            raise SystemExit("--database-url must name an empty scratch database (the benchmark fills and empties it)")
        user = User(name="bench")
        session.add(user)
        session.flush()
        user_config.set_value(session, user.id, user_config.KUBECONFIG, _kubeconfig(server.url),
                              source=ConfigSource.manual)
        user_config.set_value(session, user.id, user_config.ANTHROPIC_API_KEY, "sk-bench", source=ConfigSource.manual)
        for number in range(args.projects):
            projects.create_project(session, user.id, f"bench {number}")


@dataclasses.dataclass
class Run:
    seconds: float
    client_cpu: float  # CPU seconds of this process (the reconciler or the replaying client)
    server_cpu: float  # CPU seconds of the fake API server
    statements: int = 0


def reconcile_to_running(args: argparse.Namespace, server: FakeServerProcess) -> Run:
    import sqlalchemy as sa

    from fullstack_agent import db
    from fullstack_agent.models import Project, ProjectStatus
    from fullstack_agent.reconcile.scheduler import ReconcilerScheduler

    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    scheduler = ReconcilerScheduler(leader_election=False)
    cpu, server_cpu, started = time.process_time(), server.cpu_seconds(), time.perf_counter()
    sa.event.listen(db.get_engine(), "before_cursor_execute", count)
    scheduler.start()
    try:
        while True:
            with db.session_scope() as session:
                running = session.execute(sa.select(sa.func.count()).select_from(Project)
                                          .where(Project.status == ProjectStatus.RUNNING)).scalar_one()
            if running == args.projects:
                break
            time.sleep(0.05)
        run = Run(time.perf_counter() - started, time.process_time() - cpu, server.cpu_seconds() - server_cpu)
    finally:
        scheduler.shutdown()
        sa.event.remove(db.get_engine(), "before_cursor_execute", count)
    run.statements = statements[0]
    return run


def replay(requests: list[dict], server: FakeServerProcess, threads: int) -> Run:
    """Sends the recorded requests again through the application's own request primitive (the
    kubernetes client's ApiClient, nothing of the reconciler), each project's in order."""
    from fullstack_agent.k8s.client import KubeClient

    client = KubeClient(_kubeconfig(server.url))
    groups: dict[str, list[dict]] = defaultdict(list)
    for request in requests:
        body = request["body"] if isinstance(request["body"], dict) else {}
        name = request["path"].rsplit("/", 1)[-1] if request["method"] != "POST" else body["metadata"]["name"]
        match = _SLUG.match(name)
        groups[match.group(1) if match else ""].append(request)

    def send(group: list[dict]) -> None:
        for request in group:
            query = {key: values[0] for key, values in request["query"].items()}
            try:
                client.request(request["method"], request["path"], body=request["body"], query=query,
                               content_type=request["content_type"] or "application/json")
            except ApiException as error:
                if error.status != 409 and error.status != 404:
                    raise

    cpu, server_cpu, started = time.process_time(), server.cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, groups.values()))
    return Run(time.perf_counter() - started, time.process_time() - cpu, server.cpu_seconds() - server_cpu)


def idle_pass(args: argparse.Namespace) -> tuple[int, float]:
    import sqlalchemy as sa

    from fullstack_agent import db
    from fullstack_agent.models import Database, Project, ResourceStatus, Sandbox, User, new_id, utcnow
    from fullstack_agent.reconcile.engine import reconcile_once

    db.reset_engine()
    db.migrate()
    with db.session_scope() as session:  # what the run left behind goes (projects cascade with their user)
        session.execute(sa.delete(User))
    now = utcnow()
    settled = (ResourceStatus.RUNNING, ResourceStatus.STOPPED, ResourceStatus.ERROR)
    user_id = new_id()
    common = {"status_message": "", "attempts": 0, "status_changed_at": now, "created_at": now, "updated_at": now,
              "cpu_request": "1", "cpu_limit": "1", "memory_request": "1", "memory_limit": "1", "k8s_namespace": "ns"}
    project_rows, sandbox_rows, database_rows = [], [], []
    for index in range(args.idle_rows):
        status = settled[index % 3]
        locked_until = now + timedelta(hours=1) if status is ResourceStatus.RUNNING else None
        project_id = new_id()
        project_rows.append({"id": project_id, "user_id": user_id, "name": f"p{index}", "slug": f"p{index}",
                             "description": "", "status": status.value, "created_at": now, "updated_at": now})
        sandbox_rows.append({**common, "id": new_id(), "project_id": project_id, "name": f"p{index}",
                             "sandbox_name": f"p{index}", "runtime_image": "i", "status": status.value,
                             "locked_until": locked_until, "public_url": "", "ttyd_url": "", "storage_size": "1Gi"})
        database_rows.append({**common, "id": new_id(), "project_id": project_id, "name": f"p{index}",
                              "cluster_name": f"p{index}", "status": status.value, "locked_until": locked_until,
                              "database": "postgres", "host": "", "username": "", "storage_size": "1Gi"})
    with db.session_scope() as session:
        session.execute(sa.insert(User), [{"id": user_id, "name": "idle", "created_at": now, "updated_at": now}])
        session.execute(sa.insert(Project), project_rows)
        session.execute(sa.insert(Sandbox), sandbox_rows)
        session.execute(sa.insert(Database), database_rows)

    statements: list[str] = []
    sa.event.listen(db.get_engine(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    durations = []
    for _ in range(20):
        statements.clear()
        started = time.perf_counter()
        report = reconcile_once()
        durations.append(time.perf_counter() - started)
        assert not report.handled
    return len(statements), statistics.median(durations)


def measure(args: argparse.Namespace) -> tuple[str, dict[str, float | int]]:
    """Runs the three parts on this process's database; prints the figures, returns them."""
    data_dir = Path(tempfile.mkdtemp(prefix="fa-bench-"))
    _configure(args, data_dir, "reconcile.db")
    server = FakeServerProcess()
    try:
        create_projects(args, server)
        reconciled = reconcile_to_running(args, server)
        requests = [r for r in server.admin("requests") if not r["path"].startswith("/_fake/")]
        server.admin("reset", "POST")
        # The scheduler runs the database and the sandbox job side by side, each with its pool.
        replayed = replay(requests, server, args.threads * 2)
    finally:
        server.stop()
    if not args.database_url:
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'idle.db'}"
    from fullstack_agent.config import reload_settings

    reload_settings()
    idle_statements, idle_seconds = idle_pass(args)

    count = args.projects
    rate, server_rate = count / reconciled.seconds, count / replayed.seconds
    backend = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    print(f"reconciler benchmark ({date.today()}, {backend}, batch {args.batch}, {args.threads} handler threads "
          f"per kind, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    print(f"  {count} projects to RUNNING:   {reconciled.seconds:7.2f} s  {rate:7.1f} projects/s   "
          f"CPU per project: reconciler {reconciled.client_cpu / count * 1000:5.1f} ms, "
          f"server {reconciled.server_cpu / count * 1000:5.1f} ms")
    print(f"  same requests, server alone: {replayed.seconds:7.2f} s  {server_rate:7.1f} projects/s   "
          f"CPU per project: client     {replayed.client_cpu / count * 1000:5.1f} ms, "
          f"server {replayed.server_cpu / count * 1000:5.1f} ms")
    print(f"  reconciler / server alone:   {rate / server_rate:7.0%}   (budget >= 50%)")
    print(f"  per project: {len(requests) / count:.1f} API requests, {reconciled.statements / count:.1f} SQL statements")
    print(f"  idle pass over {args.idle_rows} sandboxes + {args.idle_rows} databases, all settled: "
          f"{idle_statements} SQL statements (budget <= 2), median {idle_seconds * 1000:.1f} ms")
    return backend, {
        "projects to RUNNING (projects/s)": round(rate, 1),
        "server alone, same requests (projects/s)": round(server_rate, 1),
        "reconciler / server alone (%)": round(100 * rate / server_rate),
        "SQL statements per project": round(reconciled.statements / count, 1),
        f"idle pass over {args.idle_rows} + {args.idle_rows} settled rows (SQL statements)": idle_statements,
        "idle pass median (ms)": round(idle_seconds * 1000, 1),
    }


_BUDGETS = {"reconciler / server alone (%)": "≥ 50", "idle pass over {rows} + {rows} settled rows (SQL statements)": "≤ 2"}


def _on_postgres(args: argparse.Namespace) -> dict[str, float | int | str]:
    """The same measurement on a scratch PostgreSQL database, in a process of its own (settings
    and engines are per process); a figure says so when the server does not answer."""
    from tests.support import databases

    missing = databases.postgres_available()
    if missing is not None:
        return {"PostgreSQL": f"skipped: {missing}"}
    url = databases.create_postgres_database()
    try:
        child = subprocess.run(
            [sys.executable, __file__, "--projects", str(args.projects), "--idle-rows", str(args.idle_rows),
             "--batch", str(args.batch), "--threads", str(args.threads), "--database-url", url],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    finally:
        databases.drop_postgres_database(url)
    print(child.stdout.rsplit("\n", 2)[0])
    return json.loads(child.stdout.strip().splitlines()[-1])["figures"]


def main() -> None:
    args = _parse()
    backend, figures = measure(args)
    labelled: dict[str, float | int | str] = {f"{backend}: {name}": value for name, value in figures.items()}
    backends = [backend]
    if not args.database_url:
        postgres = _on_postgres(args)
        labelled |= postgres  # the child labelled its figures
        backends += [] if "PostgreSQL" in postgres else ["PostgreSQL"]
    budgets = {f"{label}: {name.format(rows=args.idle_rows)}": budget
               for label in backends for name, budget in _BUDGETS.items()}
    print(json.dumps({"benchmark": f"reconciler, {args.projects} projects", "figures": labelled, "budgets": budgets},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
