"""Organisations, users, their login sessions and API tokens."""
import hashlib
import secrets
from datetime import timedelta

from flask_login import UserMixin
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, fn

from core.db import BaseModel
from core.timeutil import utcnow

ORGANISATION_KINDS = {
    "police": "Police",
    "licensing": "Licensing authority",
    "specialist": "Specialist CSE team",
    "partner": "Partner agency",
}

ROLES = {
    "licensing_officer": "Licensing officer",
    "police": "Police",
    "specialist": "Specialist CSE team",
    "partner": "Partner agency staff",
    "manager": "Manager",
    "admin": "Administrator",
}

# The casework role each kind of organisation stands for; a manager has it too (SPEC §2).
ROLE_OF_KIND = {
    "police": "police",
    "licensing": "licensing_officer",
    "specialist": "specialist",
    "partner": "partner",
}


def token_digest(token):
    """Hash a session or API token for storage; the token itself is never kept."""
    return hashlib.sha256(token.encode()).hexdigest()


class Organisation(BaseModel):
    name = CharField(unique=True, max_length=200)
    kind = CharField(max_length=20, index=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    @property
    def kind_label(self):
        return ORGANISATION_KINDS.get(self.kind, self.kind)

    @classmethod
    def search(cls, q=None, kind=None):
        query = cls.select().order_by(fn.LOWER(cls.name))
        if q:
            query = query.where(cls.name.contains(q))
        if kind:
            query = query.where(cls.kind == kind)
        return query

    def __str__(self):
        return self.name


class User(UserMixin, BaseModel):
    email = CharField(unique=True, max_length=254)
    name = CharField(max_length=200)
    organisation = ForeignKeyField(Organisation, backref="users", on_delete="RESTRICT")
    role = CharField(max_length=30, index=True)
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    # Flask-Login identifies a logged-in browser by its LoginSession, not by the user id,
    # so logging out or deactivating ends exactly the sessions it should.
    login_session = None

    def get_id(self):
        return self.login_session

    @property
    def is_active(self):
        return self.active and self.organisation.active

    @property
    def roles(self):
        """The roles this user acts in: a manager also holds the organisation's casework role."""
        if self.role == "manager":
            return {"manager", ROLE_OF_KIND[self.organisation.kind]}
        return {self.role}

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)

    def is_locked(self, now=None):
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    @classmethod
    def by_email(cls, email):
        return cls.get_or_none(fn.LOWER(cls.email) == (email or "").strip().lower())

    @classmethod
    def search(cls, q=None, role=None, organisation_id=None, active=None):
        query = (cls.select(cls, Organisation).join(Organisation)
                 .order_by(fn.LOWER(cls.name)))
        if q:
            query = query.where(cls.name.contains(q) | cls.email.contains(q))
        if role:
            query = query.where(cls.role == role)
        if organisation_id:
            query = query.where(cls.organisation == organisation_id)
        if active is not None:
            query = query.where(cls.active == active)
        return query

    @classmethod
    def managers_of(cls, organisation):
        return cls.select().where((cls.organisation == organisation) & (cls.role == "manager")
                                  & cls.active)

    def __str__(self):
        return self.name


class LoginSession(BaseModel):
    """One logged-in browser. Its token lives only in the signed session cookie; we keep the hash."""

    user = ForeignKeyField(User, backref="login_sessions", on_delete="CASCADE")
    token_hash = CharField(unique=True, max_length=64)
    created_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)
    address = CharField(max_length=64, null=True)

    @classmethod
    def start(cls, user, address=None):
        """Open a session for user and return the token to keep in the cookie."""
        token = secrets.token_urlsafe(32)
        cls.create(user=user, token_hash=token_digest(token), address=address)
        return token

    @classmethod
    def find_active(cls, token):
        return (cls.select(cls, User, Organisation).join(User).join(Organisation)
                .where((cls.token_hash == token_digest(token)) & cls.ended_at.is_null())
                .first())

    @classmethod
    def end(cls, token):
        cls.update(ended_at=utcnow()).where(cls.token_hash == token_digest(token)).execute()

    @classmethod
    def end_all_for(cls, user, except_token=None):
        query = cls.update(ended_at=utcnow()).where((cls.user == user) & cls.ended_at.is_null())
        if except_token:
            query = query.where(cls.token_hash != token_digest(except_token))
        return query.execute()


class ApiToken(BaseModel):
    """A bearer token for the JSON API, acting as its user. Shown once at issue; stored hashed."""

    user = ForeignKeyField(User, backref="api_tokens", on_delete="CASCADE")
    name = CharField(max_length=100)
    token_hash = CharField(unique=True, max_length=64)
    prefix = CharField(max_length=12)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    @classmethod
    def issue(cls, user, name, created_by=None):
        """Create a token for user; return (record, the plain token to hand over once)."""
        token = "dit_" + secrets.token_urlsafe(32)
        record = cls.create(user=user, name=name, token_hash=token_digest(token),
                            prefix=token[:12], created_by=created_by)
        return record, token

    @classmethod
    def authenticate(cls, token):
        """Return the active user a valid, unrevoked token belongs to, or None."""
        record = (cls.select(cls, User, Organisation).join(User, on=cls.user).join(Organisation)
                  .where((cls.token_hash == token_digest(token)) & cls.revoked_at.is_null())
                  .first())
        if record is None or not record.user.is_active:
            return None
        now = utcnow()
        # Write last use at most once a minute so busy integrations do not write on every call.
        if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
            cls.update(last_used_at=now).where(cls.id == record.id).execute()
        return record.user

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @classmethod
    def listing(cls):
        return (cls.select(cls, User).join(User, on=cls.user)
                .order_by(cls.created_at.desc()))
