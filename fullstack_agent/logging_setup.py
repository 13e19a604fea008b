"""Process-wide logging configuration from LOG_LEVEL."""

import logging

from fullstack_agent.config import get_settings


def configure_logging() -> None:
    logging.basicConfig(
        level=get_settings().LOG_LEVEL,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("fullstack_agent").setLevel(get_settings().LOG_LEVEL)
