"""The command line as users run it: demo, scan, alerts, rules, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.support.seed import shared_seed

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "articles" / "belarus-satellite-state.txt"
SEED_WITHOUT_RESOLUTION = ROOT / "seeds" / "articles" / "belarus-meeting-only.txt"
SHARED_SEED = shared_seed()  # outside the repository: tests/support/seed.py finds it

NEAR_MISSES = [
    "8K resolution",
    "UEFA sanctions club",
    "City council passes resolution",
    "Satellite images show flooding",
    "Judge sanctions lawyers",
    "New Year's resolution",
    "Shareholders back climate resolution",
    "Putin hosts Lukashenko",
    "water resilience",
]


def _scan(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["scan", str(path), "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_demo_prints_the_belarus_alert_and_no_near_miss(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Lukashenko flies to Sochi" in out
    assert "satellite state of Russia" in out
    for title in NEAR_MISSES:
        assert title not in out, f"near miss alerted: {title}"
    # the 20th package is carried by two sources: one alert that names the other
    assert out.count("20th package") >= 1
    assert "alerts." in out.splitlines()[-1]


def test_demo_runs_as_a_module_in_a_fresh_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.db")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "satellite state of Russia" in proc.stdout
    assert (tmp_path / "demo.db").is_file()


def test_scan_flags_the_seed_article_and_leads_with_the_resolution(
    capsys: pytest.CaptureFixture[str],
) -> None:
    records = _scan(SEED, capsys)
    assert records, "the seed article must alert"
    best = records[0]
    assert "satellite state" in str(best["summary"])
    assert "BY" in best["countries"]  # type: ignore[operator]
    assert "BY" in best["targets"]  # type: ignore[operator]
    assert str(best["summary"]).lstrip().startswith(("In a resolution", "That role", "MEPs"))
    assert set(best) >= {
        "id",
        "url",
        "title",
        "rule",
        "rule_name",
        "countries",
        "summary",
        "matched",
    }


def test_scan_is_silent_without_the_resolution_paragraphs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _scan(SEED_WITHOUT_RESOLUTION, capsys) == []


@pytest.mark.skipif(SHARED_SEED is None, reason="shared/ seed article not beside the repo")
def test_scan_on_the_defining_seed_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert SHARED_SEED is not None
    records = _scan(SHARED_SEED, capsys)
    assert records and "satellite state" in str(records[0]["summary"])
    assert "BY" in records[0]["countries"]  # type: ignore[operator]
    lines = SHARED_SEED.read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "cut.txt"
    cut.write_text("\n".join(lines[:-4]) + "\n", encoding="utf-8")
    assert _scan(cut, capsys) == []


def test_scan_reads_json_lines_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    text = SEED.read_text(encoding="utf-8")
    lines = [
        json.dumps({"id": "a1", "title": "Sochi talks", "text": text, "url": "https://x.test/a1"}),
        json.dumps({"id": "a2", "title": "New monitor has 8K resolution"}),
    ]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(lines).encode())))
    assert main(["scan", "-", "--format", "jsonl"]) == 0
    records = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {r["id"] for r in records} == {"a1"}
    assert records[0]["url"] == "https://x.test/a1"


def test_scan_reads_an_rss_file(capsys: pytest.CaptureFixture[str]) -> None:
    records = _scan(ROOT / "seeds" / "feeds" / "newswire.xml", capsys)
    titles = {str(r["title"]) for r in records}
    assert "Lukashenko flies to Sochi for talks with Putin" in titles
    assert not any(miss in t for t in titles for miss in NEAR_MISSES)


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["scan", "/nonexistent/file.txt"], "", "cannot read"),
        (["scan", "-"], '{"id": 1, "title": "x"}\nnot json\n', "stdin:2: not valid JSON"),
        (["scan", "-"], '{"id": "x"}\n', "needs a 'title' or a 'text'"),
        (["scan", "-"], '["a list"]\n', "must be a JSON object"),
        (["alerts", "--limit", "0"], "", "at least 1"),
        (["alerts"], "", "no database at"),
        (["scan", "x", "--format", "xml"], "", "invalid choice"),
        (["frobnicate"], "", "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], stdin: str, message: str, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *argv, "--db", str(tmp_path / "x.db")]
        if argv[0] != "frobnicate"
        else [sys.executable, "-m", "bot", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.db").exists()  # nothing stored


def test_malformed_pack_exits_2_with_the_position(tmp_path: Path) -> None:
    pack = tmp_path / "broken.yaml"
    pack.write_text(
        "id: broken\nname: Broken\ndescription: d\ntags: []\nquery: 'sanction* AND (embargo'\n"
        "examples: {match: [], no_match: []}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "check", str(pack)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "broken.yaml" in proc.stderr and "position" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_rules_check_passes_on_the_shipped_packs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check"]) == 0
    assert "0 failures" in capsys.readouterr().out


def test_alerts_lists_what_the_demo_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "d.db")
    assert main(["demo", "--db", db]) == 0
    capsys.readouterr()
    assert main(["alerts", "--db", db, "--limit", "50", "--json"]) == 0
    views = json.loads(capsys.readouterr().out)
    assert any("satellite state" in v["summary"] for v in views)
    assert all(v["state"] == "pending" for v in views)  # the demo sends nothing
    assert main(["alerts", "--db", db, "--failed"]) == 0
    assert "no alerts" in capsys.readouterr().out


def test_rules_eval_reports_each_corpus_on_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    corpus = Path(__file__).resolve().parent / "corpus"
    tuned, untouched = corpus / "real-tuned.jsonl", corpus / "real-untouched.jsonl"
    assert main(["rules", "eval", "--corpus", str(tuned), "--corpus", str(untouched)]) == 0
    out = capsys.readouterr().out
    assert f"== {tuned}" in out and f"== {untouched}" in out
    assert out.count("items (any pack)") == 2 and "other than en" in out
