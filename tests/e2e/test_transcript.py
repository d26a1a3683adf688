"""The transcript script runs a real session and records real replies."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import BELARUS_TITLE
from tests.e2e.transcript import record_session


async def test_transcript_records_a_real_session(tmp_path: Path) -> None:
    text = await record_session(tmp_path)
    assert text.count("**👤 You:**") == 13
    assert text.count("**👤 You press**") == 3
    # The alert leads with the finding; the package's later copies edit one alert.
    assert "🚨 European Parliament and PACE resolutions · " in text
    assert f"\n{BELARUS_TITLE}\n" in text
    assert text.count("*(the alert above is edited in place, silently)*") == 2
    assert "Also: Daily Wire 13:00, Euro News Desk 13:00" in text
    assert "I read “or” as OR" in text
    assert "Did you mean NEAR/5?" in text
    assert "sanctions AND (Belarus\n                      ^" in text
    assert "Recent alerts 1–2 of 2" in text
    assert '🔎 1 result for "satellite state"' in text
    assert "Sources (1)" in text and "Rule key" not in text
    assert "[🔕 This story]" in text and "[Less] [🔔 Unmute]" in text
    assert "Did you mean Europe/Berlin?" in text
    assert "I answer commands, not messages" in text
