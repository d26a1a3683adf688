"""bench/lists.py at a tiny size: the generated file is the real layout and parses whole (no timing)."""

from __future__ import annotations

from pathlib import Path

from bench.lists import child, generate
from bot.lists.scan import scan


def test_generated_advanced_file_parses_whole_and_both_modes_agree(tmp_path: Path) -> None:
    path = tmp_path / "sdn_advanced.xml"
    parties = generate(path, 0.5)
    assert parties > 50 and path.stat().st_size > 400_000
    result = scan("ofac-sdn-advanced", path, {})
    assert result.count == parties and len(result.changed) == parties
    assert all(e.programs and e.names for e in result.changed)
    assert any(n.script == "Cyrl" for e in result.changed for n in e.names)
    known = {e.id: e.digest() for e in result.changed}
    assert scan("ofac-sdn-advanced", path, known).changed == ()
    streamed = child("stream", path)
    assert streamed["entries"] == parties and streamed["peak_mb"] > 0
