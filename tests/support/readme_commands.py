"""The Operations page's commands (docs/operations.md), as the tests take them: each is
one line inside a fenced bash block, written to be run exactly as it stands."""

from __future__ import annotations

import re

from tests.support import PROJECT_DIR

PAGE = (PROJECT_DIR / "docs" / "operations.md").read_text()
OPERATIONS = PAGE[PAGE.index("# Operations\n") : PAGE.index("## Secrets in logs\n")]
COMMANDS = [
    line.strip()
    for block in re.findall(r"```bash\n(.*?)```", OPERATIONS, re.S)
    for line in block.splitlines()
    if line.strip() and not line.strip().startswith("#")
]
AIRFLOW_COMMANDS = [c for c in COMMANDS if c.startswith("airflow ")]
