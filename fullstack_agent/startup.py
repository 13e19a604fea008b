"""What the web server and the worker do before they serve: settings, logging, schema."""

import logging

from fullstack_agent import db
from fullstack_agent.config import get_settings
from fullstack_agent.logging_setup import configure_logging

log = logging.getLogger(__name__)


def prepare_process() -> None:
    """Validates settings, configures logging and applies pending migrations.

    Raises SettingsError or MigrationError with a readable message; the server stops.
    """
    get_settings()
    configure_logging()
    db.migrate()
    log.info("schema up to date")
