"""The transcript script runs a real session and records real replies."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import BELARUS_TITLE
from tests.e2e.transcript import record_session


async def test_transcript_records_a_real_session(tmp_path: Path) -> None:
    text = await record_session(tmp_path)
    assert text.count("**👤 You:**") == 8
    # The alert, the dry run, the caret under a bad query, /recent and /search, and the details.
    assert f"🚨 {BELARUS_TITLE}" in text
    assert "Matches 1 stored article of the last 7 days." in text
    assert "sanctions AND (Belarus\n                      ^" in text
    assert "Recent alerts 1–2 of 2" in text
    assert '🔎 1 result for "satellite state"' in text
    assert "Rule key pack:ep-resolutions" in text
