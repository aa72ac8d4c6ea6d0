"""When a schedule runs next, in its own time zone, across daylight-saving changes.

A timing is written the way people say it and stored as typed:

    every 15m | every 1h30m | every 1d         a fixed interval from the schedule's anchor
    daily 02:30                                 every day at that wall-clock time
    weekly sun 02:30 | weekly mon,thu 06:00     on those days at that time
    cron 0 2 * * 1-5                            a five-field cron expression

Why croniter and not the ``schedule`` library: ``schedule`` is an in-process job runner
whose jobs live in memory and whose ``next_run`` is naive local time; schedules here live
in the store, are computed by whichever process reads them, and must honour a per-schedule
zone. croniter only answers "what is the next matching wall-clock time", which is the one
thing needed; daily and weekly timings are cron expressions underneath.

Daylight saving follows Vixie cron, which is what network engineers' crontabs do today:
a time inside the spring-forward gap runs once at the end of the gap; a time inside the
repeated autumn hour runs once, at its first occurrence; expressions that run every hour
(hour field ``*``) simply have no runs in the gap and run in both passes of the repeated
hour, so a ``*/15`` job keeps running every 15 minutes of real time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from netraven.errors import InputError

__all__ = ["Timing", "next_run", "parse_timing", "zone"]

_DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_INTERVAL = re.compile(r"^(?:(\d+)([smhdw]))+$")
_PART = re.compile(r"(\d+)([smhdw])")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_SLACK = timedelta(hours=3)  # more than any UTC offset change, so wall order ≈ real order


@dataclass(frozen=True)
class Timing:
    """``every`` (seconds) for intervals, else a cron expression over wall-clock time."""

    text: str
    every: int | None = None
    cron: str | None = None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"timezone: unknown time zone '{name}' (an IANA name such as "
            "'Europe/Amsterdam' or 'UTC')"
        ) from None


def parse_timing(text: str) -> Timing:
    """The timing a user typed, checked; an ``InputError`` says what is wrong with it."""
    words = text.strip().split()
    if not words:
        raise InputError("timing: empty (use every/daily/weekly/cron)")
    kind, rest = words[0].lower(), words[1:]
    normal = " ".join([kind, *rest])
    if kind == "every" and len(rest) == 1 and _INTERVAL.match(rest[0].lower()):
        seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(rest[0].lower()))
        if seconds < 1:
            raise InputError(f"timing '{text}': the interval must be at least 1s")
        return Timing(normal, every=seconds)
    if kind == "daily" and len(rest) == 1:
        hour, minute = _clock(rest[0], text)
        return Timing(normal, cron=f"{minute} {hour} * * *")
    if kind == "weekly" and len(rest) == 2:
        days = []
        for day in rest[0].lower().split(","):
            if day[:3] not in _DAYS:
                raise InputError(f"timing '{text}': unknown day '{day}' (mon..sun)")
            days.append(_DAYS[day[:3]])
        hour, minute = _clock(rest[1], text)
        return Timing(normal, cron=f"{minute} {hour} * * {','.join(map(str, sorted(set(days))))}")
    if kind == "cron" and len(rest) == 5:
        expression = " ".join(rest)
        if not croniter.is_valid(expression):
            raise InputError(f"timing '{text}': not a valid cron expression")
        return Timing(normal, cron=expression)
    raise InputError(
        f"timing '{text}' not understood: use 'every 15m', 'daily 02:30', "
        "'weekly sun 02:30' or 'cron MIN HOUR DOM MON DOW'"
    )


def _clock(value: str, text: str) -> tuple[int, int]:
    match = _TIME.match(value)
    if not match:
        raise InputError(f"timing '{text}': time must be HH:MM (24-hour), got '{value}'")
    return int(match.group(1)), int(match.group(2))


def next_run(timing: Timing, tz: ZoneInfo, after: datetime, anchor: datetime) -> datetime:
    """The first run strictly after ``after`` (aware, UTC returned).

    Intervals count from ``anchor`` (the schedule's creation) so runs do not drift by the
    time each run took; a backlog of missed intervals collapses into the next one.
    """
    if timing.every is not None:
        step = timedelta(seconds=timing.every)
        if after < anchor:
            return anchor.astimezone(UTC)
        elapsed = (after - anchor) // step + 1
        return (anchor + elapsed * step).astimezone(UTC)
    assert timing.cron is not None
    return _next_cron(timing.cron, tz, after.astimezone(UTC))


def _next_cron(expression: str, tz: ZoneInfo, after: datetime) -> datetime:
    hours = croniter(expression).expanded[1]
    every_hour = hours == ["*"] or len(hours) == 24
    wall = after.astimezone(tz).replace(tzinfo=None) - _SLACK
    matches = croniter(expression, wall)
    best: datetime | None = None
    best_wall: datetime | None = None
    for _ in range(100_000):
        wall = matches.get_next(datetime)
        if best_wall is not None and wall > best_wall + _SLACK:
            break  # any later wall-clock time is later in real time too
        for instant in _instants(wall, tz, every_hour):
            if instant > after and (best is None or instant < best):
                best, best_wall = instant, wall
    if best is None:
        raise InputError(f"cron '{expression}' has no run after {after.isoformat()}")
    return best


def _instants(wall: datetime, tz: ZoneInfo, every_hour: bool) -> list[datetime]:
    """The real instants a wall-clock time stands for in ``tz`` (0, 1 or 2 of them)."""
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return [first.astimezone(UTC)]
    exists = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
    if exists:  # the repeated hour: once, unless the expression runs every hour
        both = [first.astimezone(UTC), second.astimezone(UTC)]
        return both if every_hour else both[:1]
    return [] if every_hour else [_gap_end(wall, tz)]


def _gap_end(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a spring-forward gap ends (the first real time whose wall time is later)."""
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    low, high = min(low, high), max(low, high)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) > wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)
