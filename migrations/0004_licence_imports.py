"""Licence register imports: each run of a register file and the problems it found."""
from peewee import *


def up(migrator, db):
    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class LicenceImport(Model):
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        started_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        filename = CharField(max_length=255)
        content = TextField(default='')
        dry_run = BooleanField(default=False)
        status = CharField(index=True, max_length=10, default='queued')
        total_rows = IntegerField(default=0)
        processed_rows = IntegerField(default=0)
        created = IntegerField(default=0)
        updated = IntegerField(default=0)
        unchanged = IntegerField(default=0)
        failed = IntegerField(default=0)
        notices = IntegerField(default=0)
        error = TextField(null=True)
        created_at = DateTimeField(index=True)
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        heartbeat_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'licence_import'
    db.create_tables([LicenceImport])

    class LicenceImportProblem(Model):
        run = ForeignKeyField(LicenceImport, on_delete='CASCADE')
        line = IntegerField()
        licence_number = CharField(max_length=40, default='')
        field = CharField(null=True, max_length=40)
        severity = CharField(max_length=7, default='error')
        message = TextField()
        class Meta:
            database = db
            table_name = 'licence_import_problem'
            indexes = ((('run', 'line'), False),)
    db.create_tables([LicenceImportProblem])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('licence_import_problem'))
    migrator.migrate(migrator.drop_table('licence_import'))
