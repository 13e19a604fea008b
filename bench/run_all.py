"""Runs every benchmark script in bench/ (`bench_*.py`) and prints one table of their figures
with the date it was taken (protocol: bench/README.md).

    .venv/bin/python bench/run_all.py            # all of them
    .venv/bin/python bench/run_all.py web_memory # those whose name contains an argument

The table (Markdown) and the raw results are also written to bench/results/.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
SCRIPT_TIMEOUT_SECONDS = 480


@dataclass
class Outcome:
    script: str
    seconds: float
    benchmark: str = ""
    figures: dict[str, float | int | str] = field(default_factory=dict)
    budgets: dict[str, str] = field(default_factory=dict)
    error: str = ""


def prepared_environment() -> dict[str, str]:
    """The environment scripts/setup.sh gives the tests (bun and the venv on PATH, Reflex's
    registry and telemetry settings), after installing what the benchmarks need."""
    script = 'source scripts/setup.sh >&2 && ensure_python test >&2 && ensure_bun >&2 && ensure_chromium >&2 && env -0'
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, check=True)
    return dict(entry.split("=", 1) for entry in result.stdout.decode().split("\0") if "=" in entry)


def run(script: Path, env: dict[str, str]) -> Outcome:
    started = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"{script.stem}.log"
    try:
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=SCRIPT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as timeout:
        log_path.write_text(str(timeout.stdout or "") + str(timeout.stderr or ""))
        return Outcome(script.name, time.monotonic() - started, error=f"timed out after {SCRIPT_TIMEOUT_SECONDS}s")
    seconds = time.monotonic() - started
    log_path.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        return Outcome(script.name, seconds, error=f"exit {result.returncode}, see {log_path.relative_to(ROOT)}")
    lines = result.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1])
        return Outcome(script.name, seconds, report["benchmark"], report["figures"], report.get("budgets", {}))
    except (IndexError, ValueError, KeyError, TypeError):
        return Outcome(script.name, seconds, error=f"last line is not the JSON report, see {log_path.relative_to(ROOT)}")


def _cell(value: float | int | str) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def table(outcomes: list[Outcome], taken: str) -> str:
    lines = [f"Benchmarks taken {taken} on {platform.node() or 'this machine'} "
             f"({os.cpu_count()} CPUs, Python {platform.python_version()}):", "",
             "| benchmark | figure | value | budget |", "|---|---|---|---|"]
    for outcome in outcomes:
        title = outcome.benchmark or outcome.script
        if outcome.error:
            lines.append(f"| {title} | **failed** | {outcome.error} | |")
        for name, value in outcome.figures.items():
            lines.append(f"| {title} | {name} | {_cell(value)} | {outcome.budgets.get(name, '')} |")
    return "\n".join(lines)


def main(filters: list[str]) -> int:
    scripts = [path for path in sorted(BENCH.glob("bench_*.py"))
               if not filters or any(word in path.stem for word in filters)]
    if not scripts:
        print(f"no bench_*.py in {BENCH} matches {filters}", file=sys.stderr)
        return 2
    env = prepared_environment()
    started = time.monotonic()
    taken = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    outcomes = []
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        outcomes.append(run(script, env))
        print(f"  {outcomes[-1].seconds:.0f}s {outcomes[-1].error}", file=sys.stderr, flush=True)
    report = table(outcomes, taken)
    total = f"{len(scripts)} scripts in {time.monotonic() - started:.0f}s"
    print(f"{report}\n\n{total}")
    stamp = taken.replace(" ", "_").replace(":", "")
    (RESULTS / f"{stamp}.md").write_text(f"{report}\n\n{total}\n")
    (RESULTS / f"{stamp}.json").write_text(json.dumps([outcome.__dict__ for outcome in outcomes], indent=2))
    return 1 if any(outcome.error for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
