"""Datetimes into Neo4j (zones the driver sends safely) and back (ISO strings from queries)."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest
import pytz
from hypothesis import given
from hypothesis import strategies as st

from graphmem.times import from_query, storable

ZONES = sorted(available_timezones() & set(pytz.all_timezones))


@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.timezones()
    )
)
def test_storable_keeps_the_instant_and_gives_the_driver_a_safe_zone(moment: datetime) -> None:
    out = storable(moment)
    # The instant (the driver sends UTC seconds plus the zone). Compared in UTC: by PEP 495 an
    # inter-zone == is False whenever either side falls in a DST fold or gap.
    assert out.astimezone(UTC) == moment.astimezone(UTC)
    assert out.utcoffset() == moment.utcoffset()
    assert isinstance(out.tzinfo, timezone | pytz.BaseTzInfo)
    # The zone's name is kept where pytz agrees on the offset; else (rules past 2037, local
    # mean time before a zone's first rule) the exact offset without the name.
    name = getattr(moment.tzinfo, "key", None)
    if name in pytz.all_timezones_set:
        agrees = moment.astimezone(pytz.timezone(name)).utcoffset() == moment.utcoffset()
        assert getattr(out.tzinfo, "zone", None) == (name if agrees else None)


def test_naive_means_utc_and_named_zones_keep_their_name() -> None:
    assert storable(datetime(2024, 1, 1)) == datetime(2024, 1, 1, tzinfo=UTC)
    berlin = storable(datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")))
    assert getattr(berlin.tzinfo, "zone", None) == "Europe/Berlin"
    assert berlin.utcoffset() == timedelta(hours=1)  # the second 02:30 of that night


@given(
    moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    zone=st.sampled_from(ZONES),
)
def test_iso_strings_from_queries_decode_to_the_same_instant_and_zone(
    moment: datetime, zone: str
) -> None:
    aware = moment.replace(tzinfo=ZoneInfo(zone))
    # toString(datetime) in Cypher: the offset, then the zone id in brackets.
    back = from_query(f"{aware.isoformat()}[{zone}]")
    assert back == aware and back.utcoffset() == aware.utcoffset()
    assert from_query(aware.astimezone(UTC).isoformat().replace("+00:00", "Z")) == aware


def test_nanoseconds_are_cut_to_microseconds_and_garbage_is_refused() -> None:
    assert from_query("2024-01-01T10:00:00.123456789Z").microsecond == 123456
    assert from_query("2024-01-01T10:00Z") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError):
        from_query("yesterday")
    with pytest.raises(TypeError):
        from_query(42)
