"""Browser: from the *Get Started* click inside the Sealos iframe to `/projects` rendered (SPEC §12).

    .venv/bin/python bench/bench_desktop_signin.py [--runs 10]

Starts the app (`reflex run --env prod`, SQLite), a fake Aiproxy that answers at once and a
local desktop page that embeds the app and answers `user.getInfo`; then, per run, a new
Sealos user opens the desktop page, waits until the button is ready, clicks it and waits
for the Projects heading inside the iframe. Prints the median and the slowest run; the last
stdout line is the JSON report of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.app_server import run_app  # noqa: E402
from tests.support.browser import chromium  # noqa: E402
from tests.support.fake_aiproxy import running_fake_aiproxy  # noqa: E402
from tests.support.fake_desktop import running_fake_desktop  # noqa: E402
from tests.support.sealos import JWT_SECRET, desktop_user, kubeconfig_for, make_token  # noqa: E402

WARM_UP_RUNS = 2


def _one_run(browser, desktop) -> float:
    user_id = "b" + uuid.uuid4().hex[:12]
    desktop.session = {"token": make_token(user_id), "kubeconfig": kubeconfig_for(user_id),
                       "user": desktop_user(user_id)}
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(desktop.page_url("ok"))
        app = page.frame_locator("#app")
        button = app.get_by_role("button", name="Get Started")
        button.wait_for()
        page.wait_for_function(
            "() => !document.getElementById('app').contentDocument?.getElementById('primary-action')?.disabled")
        started = time.perf_counter()
        button.click()
        app.get_by_role("heading", name="Projects").wait_for(timeout=15_000)
        return (time.perf_counter() - started) * 1000
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-desktop-"))
    with running_fake_aiproxy() as aiproxy:
        env = {"DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir / 'app.db'}",
               "SEALOS_JWT_SECRET": JWT_SECRET, "AIPROXY_ENDPOINT": aiproxy.url,
               "ANTHROPIC_BASE_URL": "https://aiproxy.example/anthropic", "SECRET_KEY": "bench-secret-key"}
        with run_app(env, data_dir / "app.log") as app, \
                running_fake_desktop("localhost", app.url) as desktop, chromium() as browser:
            for _ in range(WARM_UP_RUNS):
                _one_run(browser, desktop)
            times = [_one_run(browser, desktop) for _ in range(args.runs)]
    for number, value in enumerate(times, 1):
        print(f"run {number:2}: {value:7.1f} ms", file=sys.stderr)
    median, slowest = statistics.median(times), max(times)
    print(f"median {median:.0f} ms, slowest {slowest:.0f} ms over {args.runs} runs", file=sys.stderr)
    print(json.dumps({"benchmark": f"sign-in, Sealos, in the browser ({args.runs} runs)",
                      "figures": {"click to /projects median (ms)": round(median), "slowest (ms)": round(slowest)},
                      "budgets": {"click to /projects median (ms)": "≤ 1000"}}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
