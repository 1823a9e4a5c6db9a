"""Demo data: organisations and one user per role, plus what each domain registers.

Fictional names only. Nothing here names or describes a child.
"""
import secrets
import string
from pathlib import Path

from flask import current_app

from core import auth
from core.db import db
from core.models import Organisation, User

ORGANISATIONS = [
    ("Northshire Police", "police"),
    ("Eastbrook Borough Council Licensing", "licensing"),
    ("Northshire Multi-Agency CSE Team", "specialist"),
    ("Eastbrook Schools Safeguarding Partnership", "partner"),
    ("Northshire Community Health Trust", "partner"),
]

USERS = [
    # email, name, organisation, role
    ("licensing@example.org", "Priya Lawson", "Eastbrook Borough Council Licensing", "licensing_officer"),
    ("police@example.org", "Tom Harding", "Northshire Police", "police"),
    ("specialist@example.org", "Grace Okafor", "Northshire Multi-Agency CSE Team", "specialist"),
    ("partner@example.org", "Sam Whitfield", "Eastbrook Schools Safeguarding Partnership", "partner"),
    ("manager@example.org", "Helen Brooks", "Eastbrook Borough Council Licensing", "manager"),
    ("admin@example.org", "Alex Morgan", "Northshire Police", "admin"),
]

_seeders = []


def demo_seeder(fn):
    """Register fn() to add a domain's demo records; it must be idempotent, like seed()."""
    _seeders.append(fn)
    return fn


def demo_password():
    """Letters and digits only, so the printed password copies cleanly from a terminal."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


def logins_file():
    return Path(current_app.instance_path) / "demo-logins.txt"


def seed():
    """Create what is missing of the demo data and return the demo logins as (email, role, password)."""
    path = logins_file()
    known = dict(line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line) \
        if path.exists() else {}
    with db.atomic():
        organisations = {}
        for name, kind in ORGANISATIONS:
            organisations[name], _ = Organisation.get_or_create(name=name, defaults={"kind": kind})
        for email, name, organisation, role in USERS:
            if User.by_email(email) is None:
                known[email] = demo_password()
                auth.create_user(email, name, organisations[organisation], role, known[email])
        for seeder in _seeders:
            seeder()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{email}\t{password}\n" for email, password in known.items()))
    path.chmod(0o600)
    return [(email, role, known.get(email, "(set before; see README)")) for email, _, _, role in USERS]
