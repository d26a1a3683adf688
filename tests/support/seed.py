"""The shared seed article, found beside this checkout (it lives outside the repository).

No test names an absolute path: `SANCTIONS_BOT_SEED_ARTICLE` points at the file, or it is
`shared/seed-article.txt` in a directory above the checkout (`/work/main` and a worktree
`/work/wt/x` both find `/work/shared`). Tests that need it skip when it is not there.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "SANCTIONS_BOT_SEED_ARTICLE"
ROOT = Path(__file__).resolve().parents[2]


def shared_seed() -> Path | None:
    """The seed article's path, or None when this machine has none."""
    named = os.environ.get(ENV)
    if named:
        return Path(named) if Path(named).is_file() else None
    for parent in ROOT.parents:
        candidate = parent / "shared" / "seed-article.txt"
        if candidate.is_file():
            return candidate
    return None
