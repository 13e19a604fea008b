"""A reconciler process for the multi-process test: `reconcile_once()` in a loop.

Runs until no resource is in a transitional status (or the deadline passes) and writes every
handled event as a JSON line, so the test can check that no row was in two handlers at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import sqlalchemy as sa

from fullstack_agent import db
from fullstack_agent.models import TRANSITIONAL_STATUSES, Database, Sandbox
from fullstack_agent.reconcile.engine import reconcile_once


def _busy() -> bool:
    with db.session_scope() as session:
        return any(session.execute(sa.select(sa.func.count()).select_from(model)
                                   .where(model.status.in_(TRANSITIONAL_STATUSES))).scalar_one()
                   for model in (Sandbox, Database))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--deadline", type=float, default=120.0)
    args = parser.parse_args()
    stop_at = time.monotonic() + args.deadline
    with open(args.out, "w") as out:
        while time.monotonic() < stop_at:
            report = reconcile_once()
            for handled in report.handled:
                out.write(json.dumps(dataclasses.asdict(handled)) + "\n")
            if not report.handled:
                if not _busy():
                    return
                time.sleep(0.05)


if __name__ == "__main__":
    main()
