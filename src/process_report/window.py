"""The report window `[start, end)` of a run, and the window before it.

The window never depends on the wall clock: it comes from the run's data interval, or
(for a manual run with no logical date) from `run_after`, or from the `window_end` Param.
That is what makes a rerun or a backfill of a past day produce that day's report again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

REPORT_TIME = time(8, 0)
"""Local time of day (report timezone) at which a report window ends."""
REPORT_CRON = f"{REPORT_TIME.minute} {REPORT_TIME.hour} * * *"
"""The DAG's schedule, derived from REPORT_TIME so the two cannot disagree."""


# The instants a `window_end` Param may name: far beyond any real report, and far enough
# inside what Python's datetime holds (years 1 to 9999) that the days and timezone
# offsets added here or in a later task cannot overflow ("year 0 is out of range",
# retried as if it might pass).
EARLIEST_END = datetime(1970, 1, 3, tzinfo=UTC)
LATEST_END = datetime(3000, 1, 1, tzinfo=UTC)


class WindowError(ValueError):
    """The run's window cannot be determined from what it was given."""


@dataclass(frozen=True)
class Window:
    """A report window and its predecessor, as UTC instants plus the report's timezone."""

    start: datetime
    end: datetime
    previous_start: datetime
    timezone: str
    source: str  # "data_interval", "run_after" or "window_end param": shown in the report

    @property
    def previous_end(self) -> datetime:
        return self.start

    @property
    def report_day(self) -> date:
        """The day the window covers, named by its start in the report timezone."""
        return self.start.astimezone(ZoneInfo(self.timezone)).date()

    def to_dict(self) -> dict[str, str]:
        """JSON-safe form for XCom (ISO-8601 strings with offsets)."""
        data = {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()
        }
        data["report_day"] = self.report_day.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Window:
        return cls(
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            previous_start=datetime.fromisoformat(data["previous_start"]),
            timezone=data["timezone"],
            source=data["source"],
        )


def resolve_window(
    *,
    timezone: str,
    data_interval_start: datetime | None = None,
    data_interval_end: datetime | None = None,
    run_after: datetime | None = None,
    window_end: str | datetime | None = None,
) -> Window:
    """Pick the window: the `window_end` Param, else the data interval, else `run_after`.

    A zero-length data interval (what a plain cron schedule gives in Airflow 3) is not a
    window, so it falls through to `run_after` instead of producing an empty report.
    """
    tz = ZoneInfo(timezone)
    if window_end not in (None, ""):
        parsed = _parse_instant(window_end, tz)
        try:
            end = _as_utc(parsed)
            window = _window_ending(end, tz, "window_end param")
        except (OverflowError, ValueError):  # beyond what a datetime can hold
            window = None
        if window is None or not EARLIEST_END <= window.end < LATEST_END:
            raise WindowError(
                f"window_end: {_clipped(window_end)} is outside the range a report window "
                f"may end in ({EARLIEST_END.date()} to {LATEST_END.year - 1}-12-31); "
                f"expected an ISO-8601 date-time such as 2026-11-27T08:00:00+01:00"
            )
        return window
    if data_interval_start and data_interval_end and data_interval_start < data_interval_end:
        start, end = _as_utc(data_interval_start), _as_utc(data_interval_end)
        return Window(start, end, _previous_report_time(start, tz), timezone, "data_interval")
    if run_after is None:
        raise WindowError(
            "the run has neither a data interval nor run_after; pass the "
            "window_end Param, e.g. 2026-11-27T08:00:00+01:00"
        )
    end = _latest_report_time_at_or_before(_as_utc(run_after), tz)
    return _window_ending(end, tz, "run_after")


def _window_ending(end: datetime, tz: ZoneInfo, source: str) -> Window:
    start = _previous_report_time(end, tz)
    return Window(start, end, _previous_report_time(start, tz), tz.key, source)


def _latest_report_time_at_or_before(instant: datetime, tz: ZoneInfo) -> datetime:
    local_day = instant.astimezone(tz).date()
    candidate = _report_time_on(local_day, tz)
    if candidate > instant:
        candidate = _report_time_on(local_day - timedelta(days=1), tz)
    return candidate


def _previous_report_time(instant: datetime, tz: ZoneInfo) -> datetime:
    """The report time on the local day before `instant`'s: 23 or 25 hours across DST."""
    return _report_time_on(instant.astimezone(tz).date() - timedelta(days=1), tz)


def _report_time_on(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, REPORT_TIME, tzinfo=tz).astimezone(UTC)


def _parse_instant(value: str | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise WindowError(
                f"window_end: expected an ISO-8601 date-time such as "
                f"2026-11-27T08:00:00+01:00; got {_clipped(value)}"
            ) from None
    # A naive value is read in the report timezone, as a person typing it would mean.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _clipped(value: str | datetime) -> str:
    """A Param's value as an error shows it: one line, at most 40 characters."""
    text = " ".join(str(value).split())
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _as_utc(value: datetime) -> datetime:
    """A plain UTC datetime. Airflow hands over pendulum instants, whose isoformat can
    drop the offset after astimezone; going through the timestamp avoids that."""
    if value.tzinfo is None:
        raise WindowError(f"expected a timezone-aware instant; got naive {value.isoformat()}")
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)


def report_windows(window: Window, count: int) -> list[tuple[date, datetime, datetime]]:
    """`window` and the `count - 1` report windows before it, oldest first, each as
    (report day, start, end): consecutive, 23 or 25 hours across DST, as a scheduled
    run of that day would have had (the 7-day trend counts over these)."""
    tz = ZoneInfo(window.timezone)
    windows = [(window.start, window.end)]
    while len(windows) < count:
        start = windows[-1][0]
        windows.append((_previous_report_time(start, tz), start))
    return [(start.astimezone(tz).date(), start, end) for start, end in reversed(windows)]
