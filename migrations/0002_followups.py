"""Follow-ups: the outbox, its history, and where each organisation receives them."""
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

    class DeliverySettings(Model):
        organisation = ForeignKeyField(Organisation, unique=True, on_delete='CASCADE')
        email = CharField(null=True, max_length=254)
        webhook_url = CharField(null=True, max_length=500)
        webhook_secret = CharField(null=True, max_length=128)
        class Meta:
            database = db
            table_name = 'delivery_settings'
    db.create_tables([DeliverySettings])

    class FollowUp(Model):
        kind = CharField(index=True, max_length=60)
        record_type = CharField(null=True, max_length=40)
        record_id = IntegerField(null=True)
        sender = ForeignKeyField(Organisation, null=True, on_delete='RESTRICT')
        sent_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        recipient = ForeignKeyField(Organisation, on_delete='RESTRICT')
        for_managers = BooleanField(default=False)
        subject = CharField(max_length=200)
        body = TextField()
        created_at = DateTimeField(index=True)
        due_on = DateField(null=True)
        status = CharField(index=True, max_length=12, default='pending')
        idempotency_key = CharField(unique=True, max_length=64)
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(index=True)
        retry_until = DateTimeField()
        claimed_until = DateTimeField(null=True)
        last_error = TextField(null=True)
        inbox_at = DateTimeField(null=True)
        email_at = DateTimeField(null=True)
        webhook_at = DateTimeField(null=True)
        delivered_at = DateTimeField(null=True)
        acknowledged_at = DateTimeField(null=True)
        acknowledged_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        escalated_at = DateTimeField(null=True)
        escalation_of = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'follow_up'
            indexes = ((('record_type', 'record_id'), False), (('recipient', 'inbox_at'), False))
    db.create_tables([FollowUp])

    class FollowUpEvent(Model):
        followup = ForeignKeyField(FollowUp, on_delete='CASCADE')
        at = DateTimeField()
        status = CharField(max_length=20)
        detail = TextField(null=True)
        class Meta:
            database = db
            table_name = 'follow_up_event'
            indexes = ((('followup', 'at'), False),)
    db.create_tables([FollowUpEvent])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('follow_up_event'))
    migrator.migrate(migrator.drop_table('follow_up'))
    migrator.migrate(migrator.drop_table('delivery_settings'))
