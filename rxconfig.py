import sys

import reflex as rx

from fullstack_agent.config import SettingsError, get_settings

try:
    settings = get_settings()
except SettingsError as error:
    sys.exit(f"fullstack-agent: {error}")  # the message names the variable; a traceback adds nothing

config = rx.Config(
    app_name="fullstack_agent",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The database belongs to our own engine and Alembic set-up (fullstack_agent/db.py),
    # so Reflex's db_url stays unset and Reflex never touches the schema.
    # REDIS_URL alone switches Reflex to its redis state manager, which lets it run several
    # web workers (GRANIAN_WORKERS) and several replicas that share every tab's state.
    redis_url=settings.REDIS_URL or None,
    # A front end exported for static hosting on another origin must be listed here.
    # Reflex compares against the tuple ("*",) to mean "every origin", so keep a tuple.
    cors_allowed_origins=tuple(settings.CORS_ALLOWED_ORIGINS) or ("*",),
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large")),
    ],
)
