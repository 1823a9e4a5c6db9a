"""Where and when things happened: the event sources the domains register, and the data version that changes with them.

hotspots never imports the domains' views or workflows. Each domain describes its events here instead, as a query
of located rows, and names the tables whose changes change those events. A database trigger on each of those
tables (migration 0012) bumps one counter, the data version, in the same transaction as the change, so an analysis
cached under a version can never outlive the data it was computed from.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np
from peewee import IntegerField

from core.db import BaseModel, db

# Locations this vague would make a hotspot out of a town centre; they are counted apart, never binned.
VAGUE_PRECISIONS = ("locality",)


@dataclass(frozen=True)
class EventSource:
    """One kind of event: `points(since, until)` is a query of (lat, lon, occurred_at, weight, precision) rows."""

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
    """Every located event of the given kinds with since <= occurred_at < until (naive UTC datetimes)."""
    lat, lon, at, weight, kind_of, vague = [], [], [], [], [], {}
    for kind in kinds:
        cursor = db.execute(_sources[kind].points(since, until))
        rows = cursor.fetchall()
        kept = [row for row in rows if row[4] not in VAGUE_PRECISIONS and row[0] is not None]
        vague[kind] = len(rows) - len(kept)
        if not kept:
            continue
        columns = list(zip(*kept))
        lat.append(np.asarray(columns[0], dtype=float))
        lon.append(np.asarray(columns[1], dtype=float))
        at.append(np.array([_as_datetime(value) for value in columns[2]], dtype="datetime64[s]"))
        weight.append(np.asarray(columns[3], dtype=float))
        kind_of.append(np.full(len(kept), kind))
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


def _as_datetime(value):
    """SQLite hands back datetimes as text, PostgreSQL as datetime (or date for date columns)."""
    if isinstance(value, str):
        return np.datetime64(value[:19].replace(" ", "T"))
    return np.datetime64(value, "s")
