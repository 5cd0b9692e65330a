"""Where the benchmarks put their figures: JSON under out/bench/ (git-ignored)."""

from __future__ import annotations

import json
from typing import Any

from tests.support import PROJECT_DIR

OUT = PROJECT_DIR / "out" / "bench"


def save(name: str, figures: Any) -> None:
    """Write `figures` to out/bench/`name` and show them."""
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps(figures, indent=1)
    (OUT / name).write_text(text + "\n")
    print(text)
