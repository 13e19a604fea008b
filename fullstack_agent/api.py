"""HTTP routes served by the app's own server beside Reflex's (health, OAuth callbacks)."""

from __future__ import annotations

import asyncio
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fullstack_agent import db


async def health(_request: Request) -> JSONResponse:
    database_ok = await asyncio.to_thread(db.ping)
    # The worker's process id tells apart the web workers behind one port (scale-out checks).
    return JSONResponse({"status": "ok" if database_ok else "degraded", "database": database_ok,
                         "worker": os.getpid()},
                        status_code=200 if database_ok else 503)


def build_api() -> Starlette:
    """A new Starlette app per Reflex App (a shared one cannot take middleware twice)."""
    return Starlette(routes=[Route("/api/health", health, methods=["GET"])])
