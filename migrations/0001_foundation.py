"""Organisations, users, login sessions, API tokens and the append-only audit log."""
from peewee import *

# The audit log refuses UPDATE and DELETE in the database itself, not only in the code.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]


def up(migrator, db):
    class Organisation(Model):
        name = CharField(unique=True, max_length=200)
        kind = CharField(index=True, max_length=20)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'organisation'
    db.create_tables([Organisation])

    class User(Model):
        email = CharField(unique=True, max_length=254)
        name = CharField(max_length=200)
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        role = CharField(index=True, max_length=30)
        password_hash = CharField()
        active = BooleanField(default=True)
        failed_logins = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        last_login_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class ApiToken(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        name = CharField(max_length=100)
        token_hash = CharField(unique=True, max_length=64)
        prefix = CharField(max_length=12)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'api_token'
    db.create_tables([ApiToken])

    class AuditEvent(Model):
        at = DateTimeField(index=True)
        user = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        organisation = ForeignKeyField(Organisation, null=True, on_delete='RESTRICT')
        actor_label = CharField(null=True, max_length=254)
        action = CharField(index=True, max_length=60)
        record_type = CharField(null=True, max_length=40)
        record_id = IntegerField(null=True)
        reason = TextField(null=True)
        recipients = TextField(null=True)
        address = CharField(null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'audit_event'
            indexes = ((('record_type', 'record_id'), False),)
    db.create_tables([AuditEvent])

    class LoginSession(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        token_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        address = CharField(null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'login_session'
    db.create_tables([LoginSession])

    for statement in POSTGRES_TRIGGERS if isinstance(db, PostgresqlDatabase) else SQLITE_TRIGGERS:
        db.execute_sql(statement)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TRIGGER audit_event_no_change ON audit_event")
        db.execute_sql("DROP FUNCTION audit_event_append_only()")
    migrator.migrate(migrator.drop_table('login_session'))
    migrator.migrate(migrator.drop_table('audit_event'))
    migrator.migrate(migrator.drop_table('api_token'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('organisation'))
