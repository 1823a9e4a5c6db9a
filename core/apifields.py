"""Reading a JSON API body field by field, collecting every problem into one 422 answer."""
from datetime import date

from core.errors import Invalid


class Fields:
    """Take typed values out of a JSON object; check() raises Invalid listing every bad field at once."""

    def __init__(self, body):
        self.body = body
        self.errors = {}

    def _missing(self, name, required):
        if self.body.get(name) in (None, ""):
            if required:
                self.errors[name] = "This field is required."
            return True
        return False

    def text(self, name, required=True, max_length=None):
        if self._missing(name, required):
            return None
        value = self.body[name]
        if not isinstance(value, str) or not value.strip():
            self.errors[name] = "Give some text."
            return None
        if max_length and len(value) > max_length:
            self.errors[name] = f"At most {max_length} characters."
            return None
        return value.strip()

    def choice(self, name, options, required=True, default=None):
        if self._missing(name, required):
            return default
        value = self.body[name]
        if value not in options:
            self.errors[name] = "Use one of: " + ", ".join(sorted(options)) + "."
            return None
        return value

    def date(self, name, required=False):
        if self._missing(name, required):
            return None
        try:
            return date.fromisoformat(self.body[name])
        except (TypeError, ValueError):
            self.errors[name] = "Use an ISO 8601 date, for example 2026-11-22."
            return None

    def integer(self, name, required=True):
        if self._missing(name, required):
            return None
        value = self.body[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = "Give a whole number."
            return None
        return value

    def integers(self, name, required=False):
        if self._missing(name, required):
            return []
        value = self.body[name]
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.errors[name] = "Give a list of whole numbers."
            return []
        return value

    def fail(self, name, message):
        self.errors[name] = message

    def check(self):
        if self.errors:
            raise Invalid(self.errors)
