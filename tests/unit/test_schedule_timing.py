"""When schedules run: intervals, daily/weekly/cron in a zone, across both DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from netraven.errors import InputError
from netraven.scheduler.timing import next_run, parse_timing, zone

AMS = zone("Europe/Amsterdam")  # CET/CEST: spring 02:00→03:00, autumn 03:00→02:00
NYC = zone("America/New_York")
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


def runs(timing: str, tz: str, start: datetime, count: int) -> list[str]:
    parsed, where = parse_timing(timing), zone(tz)
    out, after = [], start
    for _ in range(count):
        after = next_run(parsed, where, after, ANCHOR)
        out.append(after.astimezone(where).strftime("%m-%d %H:%M%z"))
    return out


def test_daily_time_in_the_spring_gap_runs_once_when_the_gap_ends() -> None:
    start = datetime(2026, 3, 27, 12, tzinfo=UTC)
    assert runs("daily 02:30", "Europe/Amsterdam", start, 4) == [
        "03-28 02:30+0100",
        "03-29 03:00+0200",  # 02:30 does not exist that night: run at the end of the gap
        "03-30 02:30+0200",
        "03-31 02:30+0200",
    ]


def test_daily_time_in_the_repeated_autumn_hour_runs_once() -> None:
    start = datetime(2026, 10, 24, 12, tzinfo=UTC)
    assert runs("daily 02:30", "Europe/Amsterdam", start, 3) == [
        "10-25 02:30+0200",  # the first 02:30 only, not again an hour later
        "10-26 02:30+0100",
        "10-27 02:30+0100",
    ]


def test_every_hour_expression_keeps_real_time_cadence_across_both_changes() -> None:
    autumn = runs(
        "cron */30 * * * *", "Europe/Amsterdam", datetime(2026, 10, 25, 0, 10, tzinfo=UTC), 4
    )
    # 02:00 and 02:30 happen twice that night and both passes run, 30 real minutes apart.
    assert autumn == [
        "10-25 02:30+0200",
        "10-25 02:00+0100",
        "10-25 02:30+0100",
        "10-25 03:00+0100",
    ]
    spring = runs("cron 30 * * * *", "Europe/Amsterdam", datetime(2026, 3, 29, 0, 0, tzinfo=UTC), 2)
    assert spring == ["03-29 01:30+0100", "03-29 03:30+0200"]  # no 02:30 that night: none


def test_weekly_and_cron_days_follow_the_zone_not_utc() -> None:
    # Monday 00:00 UTC is still Sunday 20:00 in New York: that Sunday's 21:00 is next.
    start = datetime(2026, 6, 1, tzinfo=UTC)
    assert runs("weekly sun 21:00", "America/New_York", start, 2) == [
        "05-31 21:00-0400",
        "06-07 21:00-0400",
    ]
    assert runs(
        "cron 0 6 * * 1-5", "America/New_York", datetime(2026, 6, 5, 12, tzinfo=UTC), 2
    ) == [
        "06-08 06:00-0400",  # Friday 06:00 has passed: Monday next
        "06-09 06:00-0400",
    ]
    assert runs("weekly mon,thu 06:00", "UTC", datetime(2026, 6, 1, 7, tzinfo=UTC), 3) == [
        "06-04 06:00+0000",
        "06-08 06:00+0000",
        "06-11 06:00+0000",
    ]


def test_cron_on_a_day_that_rarely_exists() -> None:
    assert runs("cron 0 0 29 2 *", "UTC", datetime(2026, 3, 1, tzinfo=UTC), 1) == [
        "02-29 00:00+0000"
    ]


def test_interval_counts_from_the_anchor_and_ignores_dst() -> None:
    anchor = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    every = parse_timing("every 1h30m")
    assert every.every == 5400
    first = next_run(every, AMS, anchor + timedelta(minutes=1), anchor)
    assert first == anchor + timedelta(minutes=90)
    # A backlog collapses: three hours later the next run is the next slot, not three.
    late = next_run(every, AMS, anchor + timedelta(hours=4, minutes=40), anchor)
    assert late == anchor + timedelta(hours=6)
    # Exactly on a slot: strictly after.
    assert next_run(every, AMS, anchor + timedelta(hours=3), anchor) == anchor + timedelta(
        hours=4, minutes=30
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("every 5x", "not understood"),
        ("every 0m", "at least 1s"),
        ("daily 24:00", "HH:MM"),
        ("daily 2:3", "HH:MM"),
        ("weekly fun 02:00", "unknown day 'fun'"),
        ("cron 61 * * * *", "not a valid cron expression"),
        ("cron * * *", "not understood"),
        ("hourly", "not understood"),
    ],
)
def test_bad_timings_say_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        parse_timing(text)


def test_timings_are_normalised_as_typed() -> None:
    assert parse_timing("Daily 02:30").text == "daily 02:30"
    assert parse_timing("weekly SUN,mon 2:05").cron == "5 2 * * 0,1"
    assert parse_timing("every 2d").every == 172800


def test_unknown_zone_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown time zone 'Mars/Base'"):
        zone("Mars/Base")
