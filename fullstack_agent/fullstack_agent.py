"""The Reflex app: pages, API routes and the start-up work of each web worker."""

import reflex as rx

from fullstack_agent.api import build_api
from fullstack_agent.pages import index, login, project_detail, projects, settings  # noqa: F401  (registers the pages)
from fullstack_agent.reconcile.scheduler import reconciler_lifespan
from fullstack_agent.startup import prepare_process

app = rx.App(
    api_transformer=build_api(),
    head_components=[
        # First in <head>: keeps Reflex alive where the browser blocks storage (cross-site iframe).
        rx.el.script(src="/storage_guard.js"),
        # The Sealos desktop protocol, used by the home page (state/home.py).
        rx.el.script(src="/desktop_bridge.js"),
    ],
)
# Runs in each worker before it accepts requests: a bad setting or a failed migration stops it.
app.register_lifespan_task(prepare_process)
# Then the reconciler, when RECONCILER_ENABLED (one leader per PostgreSQL database).
app.register_lifespan_task(reconciler_lifespan)
