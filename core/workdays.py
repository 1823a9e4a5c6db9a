"""Working days in England and Wales: statutory clocks skip weekends and bank holidays."""
from bisect import bisect_right
from datetime import timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year):
    # England and Wales share one list of bank holidays; subdivision ENG gives exactly it.
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


@lru_cache(maxsize=64)
def _weekday_holidays(year):
    """The year's bank holidays that fall on a weekday, sorted (the ones that cost a working day)."""
    return tuple(sorted(day for day in _bank_holidays(year) if day.weekday() < 5))


def is_working_day(day):
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start, n):
    """The date n working days after start (before it, for negative n).

    The start itself never counts, so add_working_days(friday, 1) is the next working Monday.
    n == 0 returns start unchanged.
    """
    step = 1 if n >= 0 else -1
    day, remaining = start, abs(n)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a, b):
    """Working days after a up to and including b; negative when b is before a.

    This is the inverse of add_working_days when b is a working day:
    working_days_between(a, add_working_days(a, n)) == n.
    """
    if b < a:
        return -working_days_between(b, a)
    # Counted, not walked: clocks years overdue are computed on every list page.
    weeks, extra = divmod((b - a).days, 7)
    weekdays = weeks * 5 + sum(1 for i in range(1, extra + 1) if (a + timedelta(days=i)).weekday() < 5)
    holidays_in_range = 0
    for year in range(a.year, b.year + 1):
        days = _weekday_holidays(year)
        holidays_in_range += bisect_right(days, b) - bisect_right(days, a)
    return weekdays - holidays_in_range
