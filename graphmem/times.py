"""Datetimes on their way into and out of Neo4j.

In: every datetime a caller gives (timestamps, valid_at, as_of, since, until) passes through
``storable`` before it becomes a query parameter. Naive means UTC. A zone other than a fixed
offset or a pytz zone is replaced by the same instant in the pytz zone of the same name, or by
its fixed offset (also where pytz's rules disagree with the caller's zone: past 2037, local
mean time). Why: neo4j 6.4 hands its own DateTime to ``tzinfo.utcoffset``, and the C
implementation of ``zoneinfo.ZoneInfo`` reads that object as a ``datetime`` and crashes the
interpreter (a segmentation fault, reproduced with ``RETURN $t`` and a ZoneInfo-aware ``t``).

Out: queries return times as ISO 8601 strings (``toString``) rather than DateTime values: the
driver decodes a DateTime in pure Python (~60 us each, ~9 ms for one search's facts on
bench/retrieval), ``datetime.fromisoformat`` in C (~1 us). ``from_query`` turns both forms
back into aware datetimes, named zones included.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytz

__all__ = ["FUTURE_LIMIT", "describe", "from_query", "parse_stated", "storable"]


def storable(moment: datetime) -> datetime:
    """The same instant, with a time zone the Neo4j driver sends safely."""
    zone = moment.tzinfo
    if zone is None:
        return moment.replace(tzinfo=UTC)
    if isinstance(zone, timezone | pytz.BaseTzInfo):
        return moment
    offset = moment.utcoffset()
    name = getattr(zone, "key", None)  # zoneinfo.ZoneInfo
    if isinstance(name, str) and name in pytz.all_timezones_set:
        named = moment.astimezone(pytz.timezone(name))
        # pytz's rules end in 2037 and start after local mean time: where they disagree, the
        # caller's offset is kept, without the zone's name.
        if named.utcoffset() == offset:
            return named
    return moment.astimezone(timezone(offset) if offset is not None else UTC)


def from_query(value: Any) -> datetime:
    """An aware datetime from a query's ISO string (``toString(datetime)``) or DateTime."""
    if isinstance(value, str):
        text, _, zone = value.partition("[")  # 2024-10-27T02:30+01:00[Europe/Berlin]
        moment = datetime.fromisoformat(text)
        return moment.astimezone(ZoneInfo(zone.rstrip("]"))) if zone else moment
    if isinstance(value, datetime):
        return value
    to_native = getattr(value, "to_native", None)  # neo4j.time.DateTime
    if to_native is not None:
        native = to_native()
        if isinstance(native, datetime):
            return native
    raise TypeError(f"not a datetime: {value!r}")


def describe(moment: datetime) -> str:
    """A moment as a model reads it: date, weekday, time of day and the offset it was given in,
    e.g. ``2023-05-08 (Monday) 13:56 UTC+02:00``."""
    offset = moment.utcoffset()
    if offset is None:
        zone = "UTC"
    else:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        zone = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{moment:%Y-%m-%d} ({moment:%A}) {moment:%H:%M} {zone}"


# The forms a model may write a time in: a year, a month, a day, or a date-time.
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
# How far past the add's time a stated time may lie: plans and appointments are in the future,
# but a year 3000 is a model's mistake.
FUTURE_LIMIT = timedelta(days=366 * 100)


def parse_stated(text: str, now: datetime) -> datetime:
    """The time a model wrote (ISO 8601: ``2019``, ``2019-03``, ``2019-03-14`` or a date-time),
    as an aware datetime. A year or month means its first day; a date without a zone is taken in
    ``now``'s zone (the zone the messages were given in). Raises ValueError with the reason for
    anything else, and for a time more than 100 years after ``now`` or before year 1000."""
    value = text.strip()
    zone = now.tzinfo or UTC
    try:
        if _YEAR.match(value):
            moment = datetime(int(value), 1, 1)
        elif _MONTH.match(value):
            moment = datetime(int(value[:4]), int(value[5:7]), 1)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time") from exc
    if moment.tzinfo is None:
        moment = _localize(moment, zone)
    if moment.year < 1000:
        raise ValueError(f"{text!r} lies before the year 1000")
    if moment - now > FUTURE_LIMIT:
        raise ValueError(f"{text!r} lies more than 100 years after the messages")
    return storable(moment)


def _localize(naive: datetime, zone: Any) -> datetime:
    localize = getattr(zone, "localize", None)  # pytz zones need localize, not replace
    return localize(naive) if localize is not None else naive.replace(tzinfo=zone)
