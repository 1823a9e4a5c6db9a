"""Where and when things happened: the event sources the domains register, and the data version that changes with them.

hotspots never imports the domains' views or workflows. Each domain describes its events here instead, as a query
of located rows, and names the tables whose changes change those events. A database trigger on each of those
tables (migration 0012) bumps one counter, the data version, in the same transaction as the change, so an analysis
cached under a version can never outlive the data it was computed from.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np
from peewee import IntegerField, Value

from core.db import BaseModel, db, is_sqlite

# Locations this vague would make a hotspot out of a town centre; they are counted apart, never binned.
VAGUE_PRECISIONS = ("locality",)


@dataclass(frozen=True)
class EventSource:
    """One kind of event: `points(since, until)` is a query of rows with the columns lat, lon, occurred_at,
    weight and precision (aliased so), for events with since <= occurred_at < until."""

    kind: str
    label: str
    points: Callable
    tables: tuple


_sources = {}


def event_source(kind, label, tables):
    """Register points(since, until) as the event source `kind`; tables are those whose changes change it."""
    def register(points):
        _sources[kind] = EventSource(kind, label, points, tuple(tables))
        return points

    return register


def columns(lat, lon, occurred_at, precision, weight=1):
    """The columns an event source selects, named as load() reads them."""
    return (lat.alias("lat"), lon.alias("lon"), occurred_at.alias("occurred_at"), Value(weight).alias("weight"),
            precision.alias("precision"))


def sources():
    return dict(_sources)


def source_labels():
    return {kind: source.label for kind, source in _sources.items()}


class HotspotDataVersion(BaseModel):
    """A single row whose version every change to an event source's tables bumps (by trigger)."""

    version = IntegerField(default=0)


def data_version():
    row = HotspotDataVersion.get_or_none(HotspotDataVersion.id == 1)
    return row.version if row else 0


@dataclass
class Events:
    """Located events as arrays, ready for binning, and how many were left out as too vague."""

    lat: np.ndarray
    lon: np.ndarray
    occurred_at: np.ndarray  # numpy datetime64[s], UTC
    weight: np.ndarray
    kind: np.ndarray
    vague: dict  # kind -> count of locality-precision events left out

    def __len__(self):
        return len(self.lat)


def load(kinds, since, until):
    """Every located event of the given kinds with since <= occurred_at < until (naive UTC datetimes).

    The database hands back numbers only (times as seconds since 1970, vagueness as 0 or 1), so a million events
    become arrays without a Python object per value."""
    lat, lon, at, weight, kind_of, vague = [], [], [], [], [], {}
    epoch = ("CAST(strftime('%s', occurred_at) AS INTEGER)" if is_sqlite()
             else "CAST(EXTRACT(EPOCH FROM occurred_at) AS BIGINT)")
    vague_list = ", ".join(f"'{precision}'" for precision in VAGUE_PRECISIONS)
    for kind in kinds:
        sql, params = _sources[kind].points(since, until).sql()
        rows = db.execute_sql(
            f"SELECT lat, lon, {epoch}, weight, CASE WHEN precision IN ({vague_list}) THEN 1 ELSE 0 END "
            f"FROM ({sql}) AS events WHERE lat IS NOT NULL AND lon IS NOT NULL", params).fetchall()
        values = np.array(rows, dtype=float).reshape(-1, 5)
        keep = values[:, 4] == 0
        vague[kind] = int((~keep).sum())
        values = values[keep]
        lat.append(values[:, 0])
        lon.append(values[:, 1])
        at.append(values[:, 2].astype(np.int64).astype("datetime64[s]"))
        weight.append(values[:, 3])
        kind_of.append(np.full(len(values), kind))
    if not lat:
        empty = np.array([], dtype=float)
        return Events(empty, empty, np.array([], dtype="datetime64[s]"), empty, np.array([], dtype=str), vague)
    return Events(np.concatenate(lat), np.concatenate(lon), np.concatenate(at), np.concatenate(weight),
                  np.concatenate(kind_of), vague)


def london_times(utc):
    """Naive UTC datetime64 values as London wall-clock time, the calendar the analysis's periods follow.

    Vectorised with the UK rule in force since 1981 (summer time from 01:00 UTC on the last Sunday of March to
    01:00 UTC on the last Sunday of October); tests check it against the tz database."""
    utc = np.asarray(utc, dtype="datetime64[s]")
    if not utc.size:
        return utc
    offset = np.zeros(utc.shape, dtype="timedelta64[s]")
    first, last = (int(str(value)[:4]) for value in (utc.min(), utc.max()))
    for year in range(first, last + 1):
        begins, ends = _last_sunday(year, 3), _last_sunday(year, 10)
        offset[(utc >= begins) & (utc < ends)] = np.timedelta64(3600, "s")
    return utc + offset


def _last_sunday(year, month):
    """01:00 UTC on the last Sunday of the month."""
    next_month = np.datetime64(f"{year + month // 12:04d}-{month % 12 + 1:02d}-01")
    last_day = next_month - np.timedelta64(1, "D")
    weekday = (last_day.astype(np.int64) + 3) % 7  # 0 is Monday (1970-01-01 was a Thursday)
    return (last_day - np.timedelta64(int((weekday - 6) % 7), "D")).astype("datetime64[s]") + np.timedelta64(3600, "s")
