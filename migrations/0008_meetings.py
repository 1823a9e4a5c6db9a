"""Multi-agency meetings: the meeting's record, the organisations attending, and actions tracked to delivery."""
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

    class Meeting(Model):
        title = CharField(max_length=200)
        held_at = DateTimeField(index=True)
        venue = CharField(max_length=200, default='')
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        chair_name = CharField(max_length=200)
        chair_organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        chair_user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        minutes_owner_name = CharField(max_length=200, default='')
        minutes_owner_organisation = ForeignKeyField(Organisation, null=True, on_delete='RESTRICT')
        attendee_names = TextField(default='')
        minutes = TextField(default='')
        decisions = TextField(default='')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'meeting'
    db.create_tables([Meeting])

    class MeetingAttendance(Model):
        meeting = ForeignKeyField(Meeting, on_delete='CASCADE')
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'meeting_attendance'
            indexes = ((('meeting', 'organisation'), True),)
    db.create_tables([MeetingAttendance])

    class MeetingAction(Model):
        meeting = ForeignKeyField(Meeting, on_delete='CASCADE')
        description = TextField()
        owner_organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        owner_user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        due_on = DateField(index=True)
        delivered_at = DateTimeField(null=True)
        delivered_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        delivery_note = TextField(default='')
        created_at = DateTimeField()
        escalated_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'meeting_action'
    db.create_tables([MeetingAction])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('meeting_action'))
    migrator.migrate(migrator.drop_table('meeting_attendance'))
    migrator.migrate(migrator.drop_table('meeting'))
