"""Licence register imports: each run of a CSV file, its progress and the problems it found."""
from datetime import timedelta

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from core.db import BaseModel
from core.models import Organisation, User
from core.timeutil import utcnow

# A running import silent this long belongs to a dead worker: another delivery of its job may take it over.
STALE_AFTER = timedelta(minutes=10)

# queued -> running -> done; "refused" when the file itself is unusable (encoding, headers), "failed" on a crash.
IMPORT_STATES = ("queued", "running", "done", "refused", "failed")


class LicenceImport(BaseModel):
    """One run of a register file for an authority, a dry run or a real one. Progress lives here, not in
    Redis, so the page shows it whichever worker runs the job and after a Redis restart."""

    authority = ForeignKeyField(Organisation, backref="licence_imports", on_delete="RESTRICT")
    started_by = ForeignKeyField(User, null=True, on_delete="SET NULL")  # None from the command line
    filename = CharField(max_length=255)
    # The file's text, kept until a real run finishes (a dry run keeps it so it can be imported for real).
    content = TextField(default="")
    dry_run = BooleanField(default=False)
    status = CharField(max_length=10, default="queued", index=True)
    total_rows = IntegerField(default=0)
    processed_rows = IntegerField(default=0)
    created = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    failed = IntegerField(default=0)  # rows with at least one error: nothing of them was written
    notices = IntegerField(default=0)  # rows written, but with something the officer should know
    error = TextField(null=True)  # why the file was refused or the run failed
    created_at = DateTimeField(default=utcnow, index=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    heartbeat_at = DateTimeField(null=True)  # last progress write; a stale one lets a re-delivered job take over

    class Meta:
        table_name = "licence_import"

    @property
    def stalled(self):
        """Running, but silent for so long that its worker must have died (a killed job is not retried)."""
        return self.status == "running" and self.heartbeat_at is not None \
            and self.heartbeat_at < utcnow() - STALE_AFTER

    @property
    def finished(self):
        return self.status in ("done", "refused", "failed") or self.stalled

    @property
    def percent(self):
        if self.status == "done":
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def imported(self):
        """Rows now in the register as the file has them (created, updated or already so)."""
        return self.created + self.updated + self.unchanged

    @classmethod
    def listing(cls, authority_id):
        """An authority's runs, newest first, without the files' text."""
        fields = [f for f in cls._meta.sorted_fields if f.name != "content"]
        return cls.select(*fields).where(cls.authority == authority_id).order_by(cls.created_at.desc(), cls.id.desc())


class LicenceImportProblem(BaseModel):
    """Something wrong with one row (severity "error": the row was not written) or worth knowing ("notice")."""

    run = ForeignKeyField(LicenceImport, backref="problems", on_delete="CASCADE")
    line = IntegerField()  # the line of the file the row starts on; the header is line 1
    licence_number = CharField(max_length=40, default="")
    field = CharField(max_length=40, null=True)  # the CSV column, when one is to blame
    severity = CharField(max_length=7, default="error")
    message = TextField()

    class Meta:
        table_name = "licence_import_problem"
        indexes = ((("run", "line"), False),)
