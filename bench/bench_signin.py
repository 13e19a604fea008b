"""Sealos sign-in on the server (SPEC §12): JWT check, user upsert, Aiproxy against a local fake.

    .venv/bin/python bench/bench_signin.py [--iterations 300]

Calls `sealos_auth.sign_in` (the path the home page's handler runs) many times and prints,
per case, the median and p95 time and the SQL statements per sign-in (counted with a
SQLAlchemy `before_cursor_execute` listener):
- new user: first sign-in, provisioning against the fake Aiproxy that answers at once;
- returning user: the same user again (the key exists, so no Aiproxy call);
- new user, Aiproxy unreachable: a port nothing listens on (connection refused); its cost
  is also timed alone (the keyhub call that gets "connection refused").
SQLite always; PostgreSQL too when its test server answers. The last stdout line is the
JSON report of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from tests.support import databases  # noqa: E402
from tests.support.fake_aiproxy import running_fake_aiproxy  # noqa: E402
from tests.support.net import free_port  # noqa: E402
from tests.support.sealos import JWT_SECRET, desktop_user, kubeconfig_for, make_token  # noqa: E402


def _configure(database_url: str, aiproxy_url: str) -> None:
    from fullstack_agent import db
    from fullstack_agent.config import reload_settings

    os.environ.update({"DATABASE_URL": database_url, "SEALOS_JWT_SECRET": JWT_SECRET,
                       "AIPROXY_ENDPOINT": aiproxy_url, "ANTHROPIC_BASE_URL": "https://aiproxy.example/anthropic",
                       "SECRET_KEY": "bench-secret-key"})
    reload_settings()
    db.reset_engine()


class StatementCounter:
    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _measure(iterations: int, user_ids: list[str], counter: StatementCounter) -> dict[str, float]:
    from fullstack_agent.services import sealos_auth

    # Tokens and kubeconfigs are made before timing: the desktop made them, not the server.
    inputs = [(make_token(user_id), kubeconfig_for(user_id), desktop_user(user_id)) for user_id in user_ids]
    times, statements = [], []
    for token, kubeconfig, user in inputs[:iterations]:
        before = counter.count
        started = time.perf_counter()
        sealos_auth.sign_in(token, kubeconfig, user)
        times.append((time.perf_counter() - started) * 1000)
        statements.append(counter.count - before)
    return {"median": statistics.median(times), "p95": _percentile(times, 0.95),
            "statements": statistics.median(statements), "max statements": max(statements)}


def _time_refused_call(iterations: int) -> dict[str, float]:
    from fullstack_agent.services import aiproxy

    kubeconfig, times = kubeconfig_for("refused"), []
    for _ in range(iterations):
        started = time.perf_counter()
        assert not aiproxy.request_key("refused", kubeconfig).ok
        times.append((time.perf_counter() - started) * 1000)
    return {"median": statistics.median(times), "p95": _percentile(times, 0.95), "statements": 0,
            "max statements": 0}


def bench_backend(label: str, database_url: str, iterations: int) -> dict[str, dict[str, float]]:
    from fullstack_agent import db

    results = {}
    with running_fake_aiproxy() as aiproxy:
        _configure(database_url, aiproxy.url)
        db.migrate()
        counter = StatementCounter(db.get_engine())
        _measure(20, [f"warm{uuid.uuid4().hex[:8]}" for _ in range(20)], counter)
        results["new user"] = _measure(iterations, [f"n{uuid.uuid4().hex[:12]}" for _ in range(iterations)], counter)
        returning = f"r{uuid.uuid4().hex[:12]}"
        results["returning user"] = _measure(iterations, [returning] * iterations, counter)
    _configure(database_url, f"http://127.0.0.1:{free_port()}")
    counter = StatementCounter(db.get_engine())
    results["new user, Aiproxy unreachable"] = _measure(
        iterations, [f"u{uuid.uuid4().hex[:12]}" for _ in range(iterations)], counter)
    results["refused keyhub call"] = _time_refused_call(iterations)
    for case, figures in results.items():
        print(f"{label:10} {case:30} median {figures['median']:7.2f} ms   p95 {figures['p95']:7.2f} ms   "
              f"SQL statements {figures['statements']:g} (max {figures['max statements']:g})", file=sys.stderr)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    backends = {"SQLite": f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-signin-')) / 'bench.db'}"}
    postgres_missing = databases.postgres_available()
    if postgres_missing is None:
        backends["PostgreSQL"] = databases.create_postgres_database()
    else:
        print(f"PostgreSQL skipped: {postgres_missing}", file=sys.stderr)
    figures: dict[str, float | str] = {}
    budgets: dict[str, str] = {}
    try:
        for label, url in backends.items():
            results = bench_backend(label, url, args.iterations)
            new, returning = results["new user"], results["returning user"]
            unreachable = results["new user, Aiproxy unreachable"]
            figures |= {
                f"{label}: new user median (ms)": round(new["median"], 2),
                f"{label}: new user p95 (ms)": round(new["p95"], 2),
                f"{label}: new user SQL statements": new["statements"],
                f"{label}: returning user median (ms)": round(returning["median"], 2),
                f"{label}: returning user SQL statements": returning["statements"],
                f"{label}: new user, Aiproxy unreachable median (ms)": round(unreachable["median"], 2),
                f"{label}: unreachable Aiproxy adds, p95 (ms)": round(results["refused keyhub call"]["p95"], 2),
            }
            budgets |= {f"{label}: new user median (ms)": "≤ 10", f"{label}: new user SQL statements": "≤ 8",
                        f"{label}: returning user SQL statements": "≤ 8",
                        f"{label}: unreachable Aiproxy adds, p95 (ms)": "≤ 50"}
    finally:
        if "PostgreSQL" in backends:
            from fullstack_agent import db
            db.reset_engine()
            databases.drop_postgres_database(backends["PostgreSQL"])
    if postgres_missing is not None:
        figures["PostgreSQL"] = "skipped: server not reachable"
    print(json.dumps({"benchmark": f"sign-in, Sealos ({args.iterations} iterations)", "figures": figures,
                      "budgets": budgets}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
