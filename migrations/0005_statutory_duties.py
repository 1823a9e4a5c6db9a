"""Statutory duties (SPEC §4.5): concerns shared with other authorities, national register entries and
searches, information requests and the information received, driver self-reports."""
from peewee import *


def up(migrator, db):
    class Flag(Model):
        class Meta:
            database = db
            table_name = 'flag'

    class Licence(Model):
        class Meta:
            database = db
            table_name = 'licence'

    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class DriverConcern(Model):
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        receiving_authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        licence = ForeignKeyField(Licence, null=True, on_delete='SET NULL')
        driver_name = CharField(max_length=200)
        driver_licence_number = CharField(max_length=40, default='')
        became_aware_on = DateField()
        due_on = DateField(index=True)
        information = TextField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        sent_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        escalated_at = DateTimeField(null=True)
        decision = CharField(null=True, max_length=20)
        decision_reasons = TextField(null=True)
        decided_at = DateTimeField(null=True)
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'driver_concern'
    db.create_tables([DriverConcern])

    class RegisterSearch(Model):
        licence = ForeignKeyField(Licence, on_delete='RESTRICT')
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        purpose = CharField(max_length=10)
        searched_on = DateField()
        result = CharField(max_length=10)
        recording_authority = ForeignKeyField(Organisation, null=True, on_delete='RESTRICT')
        recording_authority_name = CharField(max_length=200, default='')
        reference = CharField(max_length=100, default='')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'register_search'
    db.create_tables([RegisterSearch])

    class InformationRequest(Model):
        search = ForeignKeyField(RegisterSearch, unique=True, on_delete='RESTRICT')
        licence = ForeignKeyField(Licence, on_delete='RESTRICT')
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        recording_authority = ForeignKeyField(Organisation, null=True, on_delete='RESTRICT')
        recording_authority_name = CharField(max_length=200, default='')
        requested_on = DateField()
        due_on = DateField(index=True)
        received_on = DateField(null=True)
        closed_at = DateTimeField(null=True)
        closed_reason = TextField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        escalated_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'information_request'
    db.create_tables([InformationRequest])

    class ReceivedInformation(Model):
        request = ForeignKeyField(InformationRequest, on_delete='CASCADE')
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        received_on = DateField()
        content = TextField()
        recorded_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'received_information'
    db.create_tables([ReceivedInformation])

    class RegisterEntry(Model):
        licence = ForeignKeyField(Licence, on_delete='RESTRICT')
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        grounds = CharField(null=True, max_length=20)
        name = CharField(max_length=200)
        date_of_birth = DateField(null=True)
        address = TextField(default='')
        ni_number = CharField(max_length=9, default='')
        driving_licence_number = CharField(max_length=16, default='')
        decision = CharField(max_length=12)
        decision_on = DateField()
        effective_on = DateField(null=True)
        contact = TextField(default='')
        told_on = DateField(null=True)
        due_on = DateField(index=True)
        submitted_on = DateField(null=True)
        submission_reference = CharField(max_length=100, default='')
        submitted_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        escalated_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'register_entry'
    db.create_tables([RegisterEntry])

    class SelfReport(Model):
        licence = ForeignKeyField(Licence, on_delete='RESTRICT')
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        event = CharField(max_length=12)
        summary = TextField()
        event_at = DateTimeField()
        reported_at = DateTimeField()
        late = BooleanField(index=True)
        flag = ForeignKeyField(Flag, null=True, on_delete='SET NULL')
        recorded_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'self_report'
    db.create_tables([SelfReport])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('self_report'))
    migrator.migrate(migrator.drop_table('register_entry'))
    migrator.migrate(migrator.drop_table('received_information'))
    migrator.migrate(migrator.drop_table('information_request'))
    migrator.migrate(migrator.drop_table('register_search'))
    migrator.migrate(migrator.drop_table('driver_concern'))
