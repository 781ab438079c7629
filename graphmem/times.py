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

from datetime import UTC, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytz

__all__ = ["from_query", "storable"]


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
