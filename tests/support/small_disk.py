"""A real, small filesystem for the tests of a full disk: a tmpfs of a few hundred KiB
mounted under the test's folder, so ENOSPC comes from the kernel, not from a mock."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.support.tools import missing


@contextlib.contextmanager
def small_disk(folder: Path, size_kib: int) -> Iterator[Path]:
    """`folder`, a fresh tmpfs of `size_kib` KiB while the block runs. Mounting needs
    root (CAP_SYS_ADMIN); where the tests have not got it, the test is skipped."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        # no root, no mount: skipped, but an error under CI=true (which runs as root)
        missing(f"a tmpfs cannot be mounted here (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)
