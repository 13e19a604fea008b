"""The static front end of README "Static front end": `reflex export --frontend-only` in an
isolated copy of the project contains every page the app registers and talks to the API URL
given at build time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS
from tests.support.project_copy import project_copy
from tests.support.static_site import app_routes, export_frontend

API_URL = "https://api.fullstack-agent.example"


@pytest.fixture(scope="module")
def export():
    with project_copy() as project_dir:
        site = export_frontend(project_dir, API_URL, ARTIFACTS / "logs" / "export.log")
        yield project_dir, site


def _router_path(route: str) -> str:
    """Reflex's route spelling as React Router's manifest writes it (`projects/[id]` -> `projects/:id`)."""
    if route == "index":
        return ""
    segments = []
    for segment in route.strip("/").split("/"):
        if segment.startswith(("[[...", "[...")):
            segments.append("*")
        elif segment.startswith("["):
            segments.append(":" + segment.strip("[]"))
        else:
            segments.append(segment)
    return "/".join(segments)


def _manifest_paths(site: Path) -> set[str]:
    (manifest,) = site.glob("assets/manifest-*.js")
    data = json.loads(re.fullmatch(r"window\.__reactRouterManifest=(.*);", manifest.read_text().strip()).group(1))
    return {route.get("path", "") for name, route in data["routes"].items() if name != "root"}


def test_every_registered_page_is_in_the_export(export):
    project_dir, site = export
    routes = app_routes(project_dir)
    assert "index" in routes
    missing = [route for route in routes if _router_path(route) not in _manifest_paths(site)]
    assert not missing, f"pages missing from the exported route manifest: {missing}"
    for route in routes:
        if "[" not in route:  # static pages are prerendered; dynamic ones load through the fallback
            html = "index.html" if route == "index" else f"{route}.html"
            assert (site / html).is_file(), f"no prerendered {html} for /{route}"
    assert (site / "__spa-fallback.html").is_file()
    assert (site / "404.html").is_file()


def test_the_export_talks_to_the_api_url_given_at_build_time(export):
    _, site = export
    endpoints = "".join(path.read_text() for path in site.glob("assets/reflex-env-*.js"))
    assert f"wss://{API_URL.removeprefix('https://')}/_event" in endpoints
    assert f"{API_URL}/_upload" in endpoints
    assert "localhost" not in endpoints
