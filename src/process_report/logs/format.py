"""What a process log looks like, defined once: where a record starts and what a
process UUID looks like. The scan, the summaries, the signatures, the file index and
the video lookup all read logs or names through these two patterns."""

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
"""A canonical UUID, any case (the database, file names and log lines differ in case)."""

RECORD_START = r"\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)"
"""A record's first line starts with its timestamp (`2026-11-26 09:00:01`, optionally
after `[`, `T` or a space in the middle); the group is the timestamp. Lines that do not
(traceback frames, wrapped messages) belong to the record before them."""
