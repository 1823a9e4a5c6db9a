"""Normalising and checking what people type for registrations and postcodes."""
import re

# UK postcodes: outward code (area, district) and inward code (sector digit, unit letters).
POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$")


def registration(text):
    """A vehicle registration mark as stored: upper case, letters and digits only ("ab12 cde" -> "AB12CDE")."""
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def registration_problem(text):
    """Why text is not a plausible registration mark, or None."""
    mark = registration(text)
    if not 2 <= len(mark) <= 8:
        return "A registration mark has 2 to 8 letters and digits, for example AB12 CDE."
    if not (re.search(r"[A-Z]", mark) and re.search(r"[0-9]", mark)):
        return "A registration mark has both letters and digits, for example AB12 CDE."
    return None


def postcode(text):
    """A UK postcode as stored: upper case with one space before the inward code ("ab12cd" -> "AB1 2CD")."""
    compact = re.sub(r"\s+", "", (text or "").upper())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def postcode_problem(text):
    if not POSTCODE.match(postcode(text)):
        return "That is not a UK postcode. Check it, for example EB1 4QT."
    return None
