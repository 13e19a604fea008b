"""The reconciler on its own, without the web server (SPEC §2): `python -m fullstack_agent worker`.

Prepares the process like the web server does (settings, logging, migrations), runs the
scheduler until SIGTERM or SIGINT, then lets the running pass finish and exits 0.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from fullstack_agent.reconcile.scheduler import ReconcilerScheduler
from fullstack_agent.startup import prepare_process

log = logging.getLogger(__name__)


def run_worker() -> None:
    prepare_process()
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    # Worker processes share the work through the claims; no leader election among them.
    scheduler = ReconcilerScheduler(leader_election=False)
    scheduler.start()
    while not stop.wait(1.0):
        pass
    scheduler.shutdown()


if __name__ == "__main__":
    from fullstack_agent.cli import main

    sys.exit(main(["worker"]))
