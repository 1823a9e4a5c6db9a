"""Working days in England and Wales: statutory clocks skip weekends and bank holidays."""
from datetime import timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year):
    # England and Wales share one list of bank holidays; subdivision ENG gives exactly it.
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


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
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count

