"""Run every benchmark, print a summary table, write bench/results/all.json and update docs/bench.md.

    python -m bench            (or python bench/run_all.py)
    python -m bench --quick    (small sizes, seconds; does not touch docs/bench.md)
    python -m bench --only matching store
    python -m bench --before 6cdf0f4   (the engine of that commit timed against this one)

Each benchmark runs in its own process (clean memory figures, no state shared
between them) with a timeout, so the whole run always ends.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/run_all.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, RESULTS_DIR, machine, print_table, write_result
from bench.report import markdown, rows, update_doc

ORDER = ("matching", "polling", "fanout", "latency", "store", "abuse", "lists", "retention")
TIMEOUT_S = {
    "matching": 320,
    "polling": 120,
    "fanout": 120,
    "latency": 90,
    "store": 90,
    "abuse": 900,
    "lists": 600,
    "retention": 1800,
}
# A full run of `python -m bench` must end within the hour: retention at 1,000,000
# articles takes longer than that (run `python -m bench.retention` for it on its own).
FULL_ARGS = {"retention": ["--articles", "100000"]}


def run_one(name: str, quick: bool, before: str | None = None) -> tuple[int, float]:
    """Run bench.<name> in a subprocess (output passes through); (exit code, seconds)."""
    extra = ["--quick"] if quick else FULL_ARGS.get(name, [])
    if before and name == "matching":
        extra = [*extra, "--before", before]
    cmd = [sys.executable, "-m", f"bench.{name}", *extra]
    print(f"\n### {name}: {' '.join(cmd[1:])}", flush=True)
    start = time.perf_counter()
    try:
        code = subprocess.run(cmd, cwd=REPO_ROOT, timeout=TIMEOUT_S[name]).returncode
    except subprocess.TimeoutExpired:
        print(f"  {name}: timed out after {TIMEOUT_S[name]} s", flush=True)
        code = -1
    return code, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the suite; exit 1 when a benchmark failed (not when a target is missed)."""
    parser = argparse.ArgumentParser(description="run all benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes; docs/bench.md untouched")
    parser.add_argument("--before", metavar="REF", help="git ref matching compares its engine with")
    parser.add_argument("--only", nargs="*", choices=ORDER, default=list(ORDER))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    status: dict[str, dict[str, Any]] = {}
    results: dict[str, dict[str, Any]] = {}
    for name in [n for n in ORDER if n in args.only]:
        path = RESULTS_DIR / f"{name}.json"
        path.unlink(missing_ok=True)
        code, seconds = run_one(name, args.quick, args.before)
        status[name] = {"exit": code, "seconds": round(seconds, 1)}
        if path.exists():
            results[name] = json.loads(path.read_text(encoding="utf-8"))
    total = time.perf_counter() - started
    table = rows(results)
    print_table(
        f"summary ({total:.0f} s)",
        ["area", "figure", "value", "same-run baseline", "ratio", "target", "status"],
        [
            [r.area, r.figure, r.value, r.baseline, r.ratio, r.target, r.status.replace("*", "")]
            for r in table
        ],
    )
    for name, st in status.items():
        print(f"  {name}: exit {st['exit']}, {st['seconds']} s")
    write_result(
        "all", {"seconds": total, "quick": args.quick, "status": status, "results": results}
    )
    if not args.quick and set(args.only) == set(ORDER):
        update_doc(markdown(results, machine(), total))
        print("  docs/bench.md updated")
    return 0 if all(st["exit"] == 0 for st in status.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
