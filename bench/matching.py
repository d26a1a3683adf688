"""Matching: the engine against rules evaluated one by one with `re`, at 100 to 10,000 rules.

    python -m bench.matching [--quick]

Figures: compile time, articles/s, per-article time as the rule count grows, peak
memory, and the speed-up over the regex baseline measured in the same run. The
match sets (article id, rule key) of engine and baseline must be identical. Also the
floor of matching (reading the article and one automaton pass, no rule evaluated) with
the engine's time as a multiple of it, and the engine of `--before` (default: the
commit this branch left main at, i.e. today's code) timed against this checkout's.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.baseline import Baseline
from bench.common import (
    BASE_REF,
    REPO_ROOT,
    Timer,
    fmt,
    print_table,
    resolve_ref,
    rss_mb,
    target,
    write_result,
)
from bench.corpus import make_articles, make_rules, make_world
from bot.matching.analysis import analyze
from bot.matching.engine import Engine
from bot.matching.gazetteer import load_gazetteer
from bot.models import Document, EntityResolver, Rule

PLOT_PATH = REPO_ROOT / "docs" / "bench-matching.png"
SIZES = (100, 1_000, 10_000)
ARTICLES = 2_000
# The baseline is slow at many rules: it runs on the first N articles and is extrapolated per article.
BASELINE_ARTICLES = {100: 1_000, 1_000: 200, 10_000: 100}
MEMORY_ARTICLES = 100
# The engine defers each match's evidence (witnesses, summary, explanation) until it is
# read; a second pass reads it for every match, as the pipeline does when it stores them.
EVIDENCE_ARTICLES = 300
# Each timed loop stops after this many seconds (having done at least MIN_*), so the
# whole suite stays under 5 minutes on a busy 2-core machine; the figures say how many ran.
TIME_BUDGET_S = 25.0
BASELINE_BUDGET_S = 40.0
MIN_ARTICLES = 200
MIN_BASELINE = 20

# The engine of another checkout (today's main) timed in the same run, in fresh
# processes taking turns with this one: after the cost caps it must stay within 20%.
BEFORE_REF = BASE_REF
BEFORE_ARTICLES = 400
BEFORE_ROUNDS = 20  # alternating batches of BEFORE_ARTICLES / BEFORE_ROUNDS articles

Pairs = set[tuple[str, str]]


@dataclass(frozen=True)
class Comparison:
    """Engine and baseline match sets over the same articles."""

    engine: Pairs
    baseline: Pairs

    @property
    def identical(self) -> bool:
        return self.engine == self.baseline

    def differences(self, limit: int = 10) -> list[tuple[str, str, str]]:
        """(which side only, article id, rule key) for the first few differences."""
        only_engine = sorted(self.engine - self.baseline, key=_order)[:limit]
        only_base = sorted(self.baseline - self.engine, key=_order)[:limit]
        return [("engine only", *p) for p in only_engine] + [
            ("baseline only", *p) for p in only_base
        ]


def _order(pair: tuple[str, str]) -> tuple[int, int]:
    return int(pair[0]), int(pair[1].split(":")[1])


def engine_pairs(engine: Engine, docs: Sequence[Document]) -> Pairs:
    """(article id, rule key) of every engine match."""
    return {(d.id, m.rule_key) for d in docs for m in engine.match(d)}


def baseline_pairs(baseline: Baseline, docs: Sequence[Document]) -> Pairs:
    """(article id, rule key) of every baseline match."""
    return {(d.id, key) for d in docs for key in baseline.match(d)}


def compare(
    rules: Sequence[Rule], docs: Sequence[Document], resolver: EntityResolver
) -> Comparison:
    """Run both matchers over `docs` (the smoke test's core check)."""
    engine = Engine.compile(rules, resolver)
    baseline = Baseline.compile(rules, resolver)
    return Comparison(engine_pairs(engine, docs), baseline_pairs(baseline, docs))


def _timed(
    fn: Callable[[Document], None], docs: Sequence[Document], budget: float, least: int
) -> tuple[int, float]:
    """Run `fn` over docs in order until all are done or `budget` seconds passed (at least `least`)."""
    done = 0
    start = time.perf_counter()
    for d in docs:
        fn(d)
        done += 1
        if done >= least and time.perf_counter() - start > budget:
            break
    return done, time.perf_counter() - start


def measure_size(
    rules: Sequence[Rule],
    docs: Sequence[Document],
    resolver: EntityResolver,
    base_n: int,
    budget: float = TIME_BUDGET_S,
) -> dict[str, Any]:
    """Time compile and matching for engine and baseline at one rule count."""
    gc.collect()
    with Timer() as t_compile:
        engine = Engine.compile(rules, resolver)
    found: Pairs = set()

    def run_engine(d: Document) -> None:
        for m in engine.match(d):
            found.add((d.id, m.rule_key))

    engine_n, engine_s = _timed(run_engine, docs, budget, min(len(docs), MIN_ARTICLES))

    def with_evidence(d: Document) -> None:
        for m in engine.match(d):
            _ = m.summary  # the pipeline stores every match's summary and witnesses

    evidence_n, evidence_s = _timed(with_evidence, docs[:EVIDENCE_ARTICLES], budget / 2, 20)
    floor_n, floor_s, paired_s = _floor_paired(engine, docs, budget / 2)
    with Timer() as t_bcompile:
        baseline = Baseline.compile(rules, resolver)
    base: Pairs = set()

    def run_baseline(d: Document) -> None:
        base.update((d.id, key) for key in baseline.match(d))

    base_n, base_s = _timed(
        run_baseline, docs[:base_n], BASELINE_BUDGET_S, min(base_n, MIN_BASELINE)
    )
    for d in docs[
        engine_n:base_n
    ]:  # untimed: the comparison needs the engine on every article the baseline saw
        run_engine(d)
    ids = {d.id for d in docs[:base_n]}
    cmp = Comparison({p for p in found if p[0] in ids}, base)
    engine_ms = engine_s / engine_n * 1000
    base_ms = base_s / base_n * 1000
    return {
        "rules": len(rules),
        "articles": engine_n,
        "engine_compile_s": t_compile.seconds,
        "engine_s": engine_s,
        "engine_articles_per_s": engine_n / engine_s,
        "engine_ms_per_article": engine_ms,
        "floor_articles": floor_n,
        "floor_ms_per_article": floor_s / floor_n * 1000,
        "floor_multiple": paired_s / floor_s,
        "evidence_articles": evidence_n,
        "evidence_ms_per_article": evidence_s / evidence_n * 1000,
        "matches_per_article": len({p for p in found if int(p[0]) < engine_n}) / engine_n,
        "baseline_compile_s": t_bcompile.seconds,
        "baseline_articles": base_n,
        "baseline_ms_per_article": base_ms,
        "baseline_articles_per_s": 1000 / base_ms,
        "speedup": base_ms / engine_ms,
        "compared_articles": base_n,
        "compared_pairs": len(cmp.baseline),
        "identical": cmp.identical,
        "differences": cmp.differences(),
    }


def _matcher(engine: Engine) -> Callable[[Document], None]:
    def run_engine(d: Document) -> None:
        engine.match(d)

    return run_engine


def _floor_paired(engine: Engine, docs: Sequence[Document], budget: float) -> tuple[int, float, float]:
    """(articles, floor seconds, engine seconds) with floor and engine timed on each
    article in turn, so that a busy machine slows both alike: their ratio is the multiple."""
    floor, match = _floor(engine), _matcher(engine)
    floor_s = engine_s = 0.0
    done = 0
    start = time.perf_counter()
    for d in docs:
        t0 = time.perf_counter()
        floor(d)
        t1 = time.perf_counter()
        match(d)
        t2 = time.perf_counter()
        floor_s, engine_s, done = floor_s + t1 - t0, engine_s + t2 - t1, done + 1
        if done >= MIN_ARTICLES and time.perf_counter() - start > budget:
            break
    return done, floor_s, engine_s


def _with_evidence(engine: Engine) -> Callable[[Document], None]:
    """Match and build every match's evidence, as the pipeline does for those it stores."""

    def run(d: Document) -> None:
        for m in engine.match(d):
            _ = m.summary

    return run


def _floor(engine: Engine) -> Callable[[Document], None]:
    """The floor of matching: read the document (normalise, tokenise, segment) and run
    the engine's automaton over it once; no rule is evaluated."""

    def floor(d: Document) -> None:
        engine._scan(analyze(d))

    return floor


def serve(articles: int) -> None:
    """One side of the before/after comparison (--serve): compiles and times on request.

    Reads lines from stdin: `compile N` (engine over the first N generated rules), `time
    LO HI` (engine over articles LO..HI), `floor LO HI`, `evidence LO HI` (matching and
    every match's evidence); answers each with one line."""
    import sys

    resolver = load_gazetteer()
    world = make_world()
    docs = make_articles(articles, world=world)
    all_rules: list[Rule] = []
    engine: Engine | None = None
    print("ready", flush=True)
    for line in sys.stdin:
        verb, *numbers = line.split()
        if verb == "compile":
            size = int(numbers[0])
            if len(all_rules) < size:
                all_rules = make_rules(size, world=world)
            engine = None
            gc.collect()
            started = time.perf_counter()
            engine = Engine.compile(all_rules[:size], resolver)
            print(time.perf_counter() - started, flush=True)
            continue
        assert engine is not None
        fns = {"time": _matcher, "floor": _floor, "evidence": _with_evidence}
        fn = fns[verb](engine)
        lo, hi = int(numbers[0]), int(numbers[1])
        start = time.perf_counter()
        for d in docs[lo:hi]:
            fn(d)
        print(time.perf_counter() - start, flush=True)


class _Side:
    """A --serve process over one checkout's `bot` package."""

    def __init__(self, cwd: Path, articles: int) -> None:
        import subprocess
        import sys

        cmd = [sys.executable, "-m", "bench.matching", "--serve", "--articles", str(articles)]
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.ask("")

    def ask(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if line:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def before_after(
    ref: str, sizes: Sequence[int], articles: int, rounds: int = BEFORE_ROUNDS
) -> dict[str, Any]:
    """Engine time of this checkout against `ref` (git archive of its `bot/` into a temp
    dir): two processes, one per checkout, take turns timing the same batch of articles,
    `rounds` times per rule count, so that a busy machine slows both alike. The figure is
    the median of the per-batch ratios."""
    import statistics
    import subprocess
    import tempfile

    batch = max(1, articles // rounds)
    commit = resolve_ref(ref)
    with tempfile.TemporaryDirectory(prefix="bench-before-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", commit, "bot"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        before, after = _Side(Path(tmp), articles), _Side(REPO_ROOT, articles)
        rows = []
        try:
            for size in sizes:
                compile_before = float(before.ask(f"compile {size}"))
                compile_after = float(after.ask(f"compile {size}"))
                ratios, b_total, a_total, floors = [], 0.0, 0.0, 0.0
                for r in range(rounds):
                    lo, hi = (r * batch) % articles, (r * batch) % articles + batch
                    first, second = (before, after) if r % 2 == 0 else (after, before)
                    times = {id(first): float(first.ask(f"time {lo} {hi}"))}
                    times[id(second)] = float(second.ask(f"time {lo} {hi}"))
                    b, a = times[id(before)], times[id(after)]
                    ratios.append(a / b)
                    b_total, a_total = b_total + b, a_total + a
                    floors += float(after.ask(f"floor {lo} {hi}"))
                n = rounds * batch
                rows.append(
                    {
                        "rules": size,
                        "before_ms_per_article": b_total / n * 1000,
                        "after_ms_per_article": a_total / n * 1000,
                        "floor_ms_per_article": floors / n * 1000,
                        "after_vs_before": statistics.median(ratios),
                        "compile_before_s": compile_before,
                        "compile_after_s": compile_after,
                    }
                )
        finally:
            before.close()
            after.close()
    return {"ref": ref, "commit": commit[:7], "rounds": rounds, "batch": batch, "sizes": rows}


def measure_memory(
    rules: Sequence[Rule], docs: Sequence[Document], resolver: EntityResolver
) -> dict[str, Any]:
    """Peak Python allocations (tracemalloc) and RSS growth for compile + matching; untimed."""
    gc.collect()
    rss_before = rss_mb()
    tracemalloc.start()
    engine = Engine.compile(rules, resolver)
    _, compile_peak = tracemalloc.get_traced_memory()
    for d in docs:
        engine.match(d)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = rss_mb()
    del engine
    return {
        "rules": len(rules),
        "articles": len(docs),
        "tracemalloc_compile_peak_mb": compile_peak / 2**20,
        "tracemalloc_peak_mb": peak / 2**20,
        "rss_growth_mb": rss_after - rss_before,
    }


def explain(
    diffs: list[tuple[str, str, str]], rules: Sequence[Rule], docs: Sequence[Document]
) -> None:
    """Print the first differences with the rule's query and the article's title."""
    by_key = {r.key: r for r in rules}
    by_id = {d.id: d for d in docs}
    for side, doc_id, key in diffs:
        print(
            f"  {side}: article {doc_id} ({by_id[doc_id].title!r}) rule {key}: {by_key[key].query}"
        )


def plot(results: Sequence[dict[str, Any]], path: Path = PLOT_PATH) -> Path:
    """Per-article time against rule count, log-log, engine and baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["rules"] for r in results]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    ax.loglog(
        xs,
        [r["engine_ms_per_article"] for r in results],
        "o-",
        label="engine (Aho-Corasick + candidates)",
    )
    ax.loglog(
        xs,
        [r["baseline_ms_per_article"] for r in results],
        "s--",
        label="baseline (re, rule by rule)",
    )
    for r in results:
        ax.annotate(
            f"{r['speedup']:.0f}x",
            (r["rules"], r["engine_ms_per_article"]),
            textcoords="offset points",
            xytext=(4, -12),
            fontsize=8,
        )
    ax.set_xlabel("rules")
    ax.set_ylabel("ms per article (~3 KB)")
    ax.set_title("Matching time per article as rules grow")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def run(
    sizes: Sequence[int] = SIZES,
    articles: int = ARTICLES,
    baseline_articles: dict[int, int] | None = None,
    make_plot: bool = True,
    before: str | None = BEFORE_REF,
) -> dict[str, Any]:
    """The whole matching benchmark; prints and writes bench/results/matching.json."""
    baseline_articles = baseline_articles or BASELINE_ARTICLES
    resolver = load_gazetteer()
    world = make_world()
    docs = make_articles(articles, world=world)
    all_rules = make_rules(max(sizes), world=world)
    # First, while no other engine has been freed: RSS growth would otherwise hide in reused memory.
    memory = measure_memory(all_rules[: max(sizes)], docs[:MEMORY_ARTICLES], resolver)
    results = []
    for size in sizes:
        rules = all_rules[:size]
        res = measure_size(rules, docs, resolver, min(baseline_articles.get(size, 100), len(docs)))
        results.append(res)
        status = "identical" if res["identical"] else "DIFFERENT"
        print(
            f"  {size} rules: {res['compared_pairs']} (article, rule) pairs compared: {status}",
            flush=True,
        )
        if not res["identical"]:
            explain(res["differences"], rules, docs)
    compared = None
    if before:
        compared = before_after(before, sizes, BEFORE_ARTICLES)
    summary = _summary(results, memory, compared)
    _print(results, memory, summary)
    data = {"sizes": results, "memory": memory, "summary": summary}
    if compared:
        data["before_after"] = compared
        print_table(
            f"engine before ({compared['ref']} {compared['commit']}) and after, same run: "
            f"{compared['rounds']} alternating batches of {compared['batch']} articles",
            ["rules", "before ms/article", "after ms/article", "after / before (median)",
             "compile before s", "compile after s"],
            [
                [r["rules"], fmt(r["before_ms_per_article"], 3), fmt(r["after_ms_per_article"], 3),
                 f"{r['after_vs_before']:.2f}x", fmt(r["compile_before_s"], 2),
                 fmt(r["compile_after_s"], 2)]
                for r in compared["sizes"]
            ],
        )
    if make_plot:
        try:
            data["plot"] = str(plot(results).relative_to(REPO_ROOT))
        except ImportError:  # the plot is the 'bench' extra's; the figures stand without it
            print("  plot skipped: pip install '.[bench]' for matplotlib")
    write_result("matching", data)
    return data


def _summary(
    results: list[dict[str, Any]], memory: dict[str, Any], compared: dict[str, Any] | None = None
) -> dict[str, Any]:
    small, big = results[0], results[-1]
    growth = big["engine_ms_per_article"] / small["engine_ms_per_article"]
    extra: dict[str, Any] = {}
    if compared:
        worst = max(r["after_vs_before"] for r in compared["sizes"])
        extra = {"after_vs_before_worst": worst, "within_20%_of_before": worst <= 1.2}
    return {
        "floor_multiples": {r["rules"]: r["floor_multiple"] for r in results},
        **extra,
        "articles_per_s_at_max": big["engine_articles_per_s"],
        "speedup_at_max": big["speedup"],
        "per_article_growth": growth,
        "compile_s_at_max": big["engine_compile_s"],
        "peak_mb": memory["tracemalloc_peak_mb"],
        "all_identical": all(r["identical"] for r in results),
        "targets": {
            "articles_per_s>=1000": big["engine_articles_per_s"] >= 1000,
            "speedup>=30": big["speedup"] >= 30,
            "growth<=3": growth <= 3,
            "compile<=3s": big["engine_compile_s"] <= 3,
            "peak<=300MB": max(memory["tracemalloc_peak_mb"], memory["rss_growth_mb"]) <= 300,
        },
    }


def _print(results: list[dict[str, Any]], memory: dict[str, Any], summary: dict[str, Any]) -> None:
    rows = [
        [
            r["rules"],
            fmt(r["engine_compile_s"], 2),
            f"{fmt(r['engine_articles_per_s'])} ({r['articles']} art.)",
            fmt(r["engine_ms_per_article"], 2),
            fmt(r["evidence_ms_per_article"], 2),
            fmt(r["matches_per_article"], 2),
            f"{fmt(r['baseline_ms_per_article'], 2)} ({r['baseline_articles']} art.)",
            fmt(r["speedup"]) + "x",
            "yes" if r["identical"] else "NO",
        ]
        for r in results
    ]
    print_table(
        "matching (engine vs re baseline, same run)",
        [
            "rules",
            "compile s",
            "articles/s",
            "ms/article",
            "+ evidence ms/art",
            "matches/art",
            "baseline ms/art",
            "speed-up",
            "same matches",
        ],
        rows,
    )
    print(
        f"  memory at {memory['rules']} rules, compile + {memory['articles']} articles: "
        f"tracemalloc peak {memory['tracemalloc_peak_mb']:.1f} MB "
        f"(compile {memory['tracemalloc_compile_peak_mb']:.1f} MB), RSS growth {memory['rss_growth_mb']:.1f} MB"
    )
    print(
        f"  per-article time {results[-1]['rules']} vs {results[0]['rules']} rules: {summary['per_article_growth']:.2f}x"
    )
    for name, ok in summary["targets"].items():
        print(f"  target {name}: {target(ok)}")
    print_table(
        "matching floor (read the article + one automaton pass, no rule evaluated)",
        ["rules", "floor ms/article", "engine ms/article", "engine / floor"],
        [
            [r["rules"], fmt(r["floor_ms_per_article"], 3), fmt(r["engine_ms_per_article"], 3),
             f"{r['floor_multiple']:.2f}x"]
            for r in results
        ],
    )
    if "after_vs_before_worst" in summary:
        print(
            f"  engine after vs before ({BEFORE_REF}): worst {summary['after_vs_before_worst']:.2f}x; "
            f"within 20%: {target(summary['within_20%_of_before'])}"
        )


def main(argv: list[str] | None = None) -> int:
    """Command line: --quick runs a small version (seconds)."""
    parser = argparse.ArgumentParser(description="matching benchmark")
    parser.add_argument("--quick", action="store_true", help="100/1000 rules over 200 articles")
    parser.add_argument("--before", default=BEFORE_REF, help="git ref to compare the engine with")
    parser.add_argument("--no-before", action="store_true", help="skip the before/after runs")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--articles", type=int, default=BEFORE_ARTICLES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:  # one side of the before/after comparison
        serve(args.articles)
        return 0
    before = None if args.no_before else args.before
    if args.quick:
        data = run(
            sizes=(100, 1000),
            articles=200,
            baseline_articles={100: 200, 1000: 50},
            make_plot=False,
            before=None,
        )
    else:
        data = run(before=before)
    return 0 if data["summary"]["all_identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
