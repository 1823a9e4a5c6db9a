"""Time: stored as naive UTC, shown in Europe/London."""
import calendar
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow():
    """The current time as a naive UTC datetime, the form every DateTimeField stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(value):
    """Convert a stored naive-UTC datetime to Europe/London."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(LONDON)


def format_local(value, fmt="%d %b %Y %H:%M"):
    """Render a stored datetime as London time for people; empty for none."""
    local = to_local(value)
    return local.strftime(fmt) if local else ""


def isoformat_utc(value):
    """Render a stored datetime as ISO 8601 UTC with a Z, as the API promises."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def london_day_start(day):
    """The stored (naive UTC) instant at which London's calendar day begins."""
    return datetime.combine(day, time.min, LONDON).astimezone(timezone.utc).replace(tzinfo=None)


def london_to_utc(value):
    """A naive London wall-clock time (as typed into a form) as the naive UTC we store."""
    return value.replace(tzinfo=LONDON).astimezone(timezone.utc).replace(tzinfo=None)


def london_today():
    """Today's date in London: the day statutory clocks and due dates count from."""
    return to_local(utcnow()).date()


def add_months(day, months):
    """The same day months later, clamped to the end of a shorter month (31 August + 6 months is 28 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
