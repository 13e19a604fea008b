"""Command line: `python -m fullstack_agent <command>` (also the `fullstack-agent` script)."""

from __future__ import annotations

import argparse
import sys

from fullstack_agent import db
from fullstack_agent.config import SettingsError, get_settings


def _check_config(_args: argparse.Namespace) -> None:
    settings = get_settings()
    print(f"settings ok ({settings.APP_ENV.value}, database {settings.database_url.split(':', 1)[0]})")


def _migrate(_args: argparse.Namespace) -> None:
    get_settings()
    db.migrate()
    print("schema up to date")


def _worker(_args: argparse.Namespace) -> None:
    from fullstack_agent.worker import run_worker  # imports the Kubernetes client: only when needed

    run_worker()


COMMANDS = {
    "check-config": (_check_config, "validate the settings and exit"),
    "migrate": (_migrate, "apply pending database migrations"),
    "worker": (_worker, "run only the reconciler (no web server); stops on SIGTERM"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fullstack-agent")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    args = parser.parse_args(argv)
    try:
        COMMANDS[args.command][0](args)
    except (SettingsError, db.MigrationError) as error:
        print(f"fullstack-agent: {error}", file=sys.stderr)
        return 2
    return 0
