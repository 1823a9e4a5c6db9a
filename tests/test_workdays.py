"""Working days in England and Wales: weekends and bank holidays do not count."""
from datetime import date, timedelta

import pytest

from core.workdays import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize("day, expected", [
    (date(2026, 11, 23), True),    # Monday
    (date(2026, 11, 28), False),   # Saturday
    (date(2026, 12, 25), False),   # Christmas Day
    (date(2026, 12, 28), False),   # Boxing Day substitute (26th is a Saturday)
    (date(2026, 8, 31), False),    # summer bank holiday in England and Wales
    (date(2026, 8, 3), True),      # Scotland's summer holiday is not England's
    (date(2026, 3, 17), True),     # St Patrick's Day is Northern Ireland only
])
def test_is_working_day(day, expected):
    assert is_working_day(day) is expected


@pytest.mark.parametrize("start, n, expected", [
    (date(2026, 11, 23), 0, date(2026, 11, 23)),
    (date(2026, 11, 23), 1, date(2026, 11, 24)),
    (date(2026, 11, 27), 1, date(2026, 11, 30)),    # Friday + 1 = Monday
    (date(2026, 11, 28), 1, date(2026, 11, 30)),    # from a Saturday
    (date(2026, 12, 22), 5, date(2026, 12, 31)),    # over Christmas: 23, 24, 29, 30, 31
    (date(2026, 11, 23), 10, date(2026, 12, 7)),    # the 2022 Act's 10-working-day clock
    (date(2027, 3, 24), 5, date(2027, 4, 2)),       # 25 Mar, (Good Friday 26, Easter Monday 29), 30, 31, 1, 2 Apr
    (date(2026, 11, 30), -1, date(2026, 11, 27)),   # backwards over a weekend
])
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1
    assert working_days_between(date(2026, 12, 22), date(2026, 12, 31)) == 5
    assert working_days_between(date(2026, 12, 31), date(2026, 12, 22)) == -5


@pytest.mark.parametrize("n", [1, 5, 10, 20, 60, 250])
def test_between_inverts_add(n):
    start = date(2026, 12, 18)
    assert working_days_between(start, add_working_days(start, n)) == n
    assert working_days_between(add_working_days(start, -n), start) == n


def test_counting_agrees_with_walking_day_by_day_over_years():
    import random

    def walked(a, b):
        if b < a:
            return -walked(b, a)
        count, day = 0, a
        while day < b:
            day += timedelta(days=1)
            count += is_working_day(day)
        return count

    rng = random.Random(2026)
    for _ in range(2000):
        a = date(2018, 1, 1) + timedelta(days=rng.randint(0, 4000))
        b = a + timedelta(days=rng.randint(-900, 900))
        assert working_days_between(a, b) == walked(a, b), (a, b)
