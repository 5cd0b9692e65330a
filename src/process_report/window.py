"""The report window `[start, end)` of a run, and the window before it.

The window never depends on the wall clock: it comes from the run's data interval, or
(for a manual run with no logical date) from `run_after`, or from the `report_day` or
`window_end` Param. That is what makes a rerun or a backfill of a past day produce that
day's report again.

Every window is a whole report day, from REPORT_TIME to REPORT_TIME in the report
timezone (23 or 25 hours across a DST change): a `window_end` at any other time is
refused rather than reported as a shorter "daily" report. A partial window would carry
counts that compare with nothing (the previous day's column, the history) under a
subject that reads like any other day's.
"""

from __future__ import annotations

from collections.abc import Callable
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


def report_time_label(timezone: str) -> str:
    """The local report time with its zone, as the DAG's description, doc and Params say
    it: `08:00 Europe/Paris`."""
    return f"{REPORT_TIME:%H:%M} {timezone}"


SOURCE_WORDS = {
    "data_interval": "window from the schedule",
    "run_after": "latest full day before a run started by hand",
    "report_day param": "window chosen by hand",
    "window_end param": "window chosen by hand",
}
"""How the report names each way a window is chosen: recipients do not know Airflow's
data intervals or Params."""


class WindowError(ValueError):
    """The run's window cannot be determined from what it was given."""


@dataclass(frozen=True)
class Window:
    """A report window and its predecessor, as UTC instants plus the report's timezone."""

    start: datetime
    end: datetime
    previous_start: datetime
    timezone: str
    source: str  # one of SOURCE_WORDS' keys

    @property
    def source_words(self) -> str:
        """Where the window came from, in the recipients' words (no Airflow terms)."""
        return SOURCE_WORDS.get(self.source, self.source)

    @property
    def previous_end(self) -> datetime:
        return self.start

    @property
    def report_day(self) -> date:
        """The day the window covers, named by its start in the report timezone."""
        return self.start.astimezone(ZoneInfo(self.timezone)).date()

    def local_span(self) -> str:
        """The window as people read it, in the report timezone with the zone's name:
        `2026-11-26 08:00 -> 2026-11-27 08:00 Europe/Paris` (the abbreviations, CET or
        CEST, are added only when the two ends differ, across a DST change)."""
        tz = ZoneInfo(self.timezone)
        start, end = self.start.astimezone(tz), self.end.astimezone(tz)
        if start.utcoffset() == end.utcoffset():
            return f"{start:%Y-%m-%d %H:%M} -> {end:%Y-%m-%d %H:%M} {self.timezone}"
        return f"{start:%Y-%m-%d %H:%M %Z} -> {end:%Y-%m-%d %H:%M %Z} ({self.timezone})"

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
    report_day: str | date | None = None,
) -> Window:
    """Pick the window: the `report_day` or `window_end` Param (not both), else the data
    interval, else `run_after`.

    `report_day` D means D's REPORT_TIME to the next day's, in the report timezone: the
    same day `Window.report_day` names and the email's subject shows. A zero-length data
    interval (what a plain cron schedule gives in Airflow 3) is not a window, so it falls
    through to `run_after` instead of producing an empty report.
    """
    tz = ZoneInfo(timezone)
    if report_day not in (None, "") and window_end not in (None, ""):
        raise WindowError(
            "report_day and window_end are both set: give only one. report_day "
            "2026-11-26 is the window 2026-11-26 08:00 -> 2026-11-27 08:00."
        )
    if report_day not in (None, ""):
        day = _parse_day(report_day)
        return _within_range(
            lambda: _window_ending(
                _report_time_on(day + timedelta(days=1), tz), tz, "report_day param"
            ),
            f"report_day: {_clipped(report_day)}",
            "a date such as 2026-11-26",
        )
    if window_end not in (None, ""):
        parsed = _parse_instant(window_end, tz)
        window = _within_range(
            lambda: _window_ending(_as_utc(parsed), tz, "window_end param"),
            f"window_end: {_clipped(window_end)}",
            "an ISO-8601 date-time such as 2026-11-27T08:00:00+01:00",
        )
        _require_report_time(window.end, tz)
        return window
    if data_interval_start and data_interval_end and data_interval_start < data_interval_end:
        start, end = _as_utc(data_interval_start), _as_utc(data_interval_end)
        return Window(start, end, _previous_report_time(start, tz), timezone, "data_interval")
    if run_after is None:
        raise WindowError(
            "the run has neither a data interval nor run_after; pass the "
            "report_day Param, e.g. 2026-11-26"
        )
    end = _latest_report_time_at_or_before(_as_utc(run_after), tz)
    return _window_ending(end, tz, "run_after")


def _within_range(build: Callable[[], Window], named: str, expected: str) -> Window:
    """The window `build` makes, if it ends between EARLIEST_END and LATEST_END; one
    beyond (or beyond what a datetime holds) is refused, naming the Param and its form."""
    try:
        window = build()
    except (OverflowError, ValueError):  # beyond what a datetime can hold
        window = None
    if window is None or not EARLIEST_END <= window.end < LATEST_END:
        raise WindowError(
            f"{named} is outside the range a report window may end in "
            f"({EARLIEST_END.date()} to {LATEST_END.year - 1}-12-31); expected {expected}"
        )
    return window


def _require_report_time(end: datetime, tz: ZoneInfo) -> None:
    """Refuse a `window_end` that would make a window shorter or longer than a report
    day: a date-time picker sets 00:00 when a day is picked, which gave a 16-hour
    "daily" report before this check."""
    local = end.astimezone(tz)
    if local.time() != REPORT_TIME:
        day = local.date() if local.time() > REPORT_TIME else local.date() - timedelta(days=1)
        raise WindowError(
            f"window_end {local:%Y-%m-%d %H:%M} {tz.key} is not at the report time "
            f"{REPORT_TIME:%H:%M} {tz.key}: a report covers a whole day, "
            f"{REPORT_TIME:%H:%M} to {REPORT_TIME:%H:%M}. To report on a day, set "
            f"report_day instead (e.g. {day.isoformat()} for the window "
            f"{day.isoformat()} {REPORT_TIME:%H:%M} -> "
            f"{(day + timedelta(days=1)).isoformat()} {REPORT_TIME:%H:%M}), or "
            f"give window_end at {REPORT_TIME:%H:%M}."
        )


def _parse_day(value: str | date) -> date:
    refused = WindowError(f"report_day: expected a date such as 2026-11-26; got {_clipped(value)}")
    if isinstance(value, datetime):
        raise refused
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise refused from None


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


def _clipped(value: str | date) -> str:
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
