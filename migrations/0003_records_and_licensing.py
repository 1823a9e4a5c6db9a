"""People, vehicles, premises and their owners; licences, their history, flags, recommendations,
decisions and panel hearings."""
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

    class Person(Model):
        name = CharField(index=True, max_length=200)
        aliases = TextField(default='')
        date_of_birth = DateField(null=True)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'person'
    db.create_tables([Person])

    class Vehicle(Model):
        registration = CharField(unique=True, max_length=8)
        make = CharField(null=True, max_length=60)
        model = CharField(null=True, max_length=60)
        colour = CharField(null=True, max_length=30)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'vehicle'
    db.create_tables([Vehicle])

    class Licence(Model):
        kind = CharField(index=True, max_length=20)
        number = CharField(max_length=40)
        holder = ForeignKeyField(Person, on_delete='RESTRICT')
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        status = CharField(index=True, max_length=12, default='applied')
        granted_on = DateField(null=True)
        expires_on = DateField(null=True)
        vehicle = ForeignKeyField(Vehicle, null=True, on_delete='SET NULL')
        operator = ForeignKeyField('self', null=True, on_delete='SET NULL')
        conditions = TextField(default='')
        dbs_checked_on = DateField(null=True)
        dbs_update_service = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'licence'
            indexes = ((('authority', 'number'), True),)
    db.create_tables([Licence])

    class Recommendation(Model):
        licence = ForeignKeyField(Licence, on_delete='RESTRICT')
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        action = CharField(max_length=20)
        grounds = TextField()
        due_on = DateField(index=True)
        created_at = DateTimeField()
        escalated_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'recommendation'
    db.create_tables([Recommendation])

    class Decision(Model):
        recommendation = ForeignKeyField(Recommendation, unique=True, on_delete='RESTRICT')
        outcome = CharField(max_length=20)
        licence_action = CharField(max_length=20)
        reasons = TextField()
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'decision'
    db.create_tables([Decision])

    class Flag(Model):
        licence = ForeignKeyField(Licence, on_delete='CASCADE')
        source = ForeignKeyField(Organisation, on_delete='RESTRICT')
        raised_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        category = CharField(max_length=20)
        summary = TextField()
        raised_at = DateTimeField(index=True)
        closed_at = DateTimeField(null=True)
        closed_reason = TextField(null=True)
        class Meta:
            database = db
            table_name = 'flag'
    db.create_tables([Flag])

    class PanelHearing(Model):
        authority = ForeignKeyField(Organisation, on_delete='RESTRICT')
        starts_at = DateTimeField(index=True)
        venue = CharField(max_length=200, default='')
        minutes = TextField(default='')
        decisions = TextField(default='')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'panel_hearing'
    db.create_tables([PanelHearing])

    class HearingInvitation(Model):
        hearing = ForeignKeyField(PanelHearing, on_delete='CASCADE')
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        attended = BooleanField(null=True)
        class Meta:
            database = db
            table_name = 'hearing_invitation'
            indexes = ((('hearing', 'organisation'), True),)
    db.create_tables([HearingInvitation])

    class HearingLicence(Model):
        hearing = ForeignKeyField(PanelHearing, on_delete='CASCADE')
        licence = ForeignKeyField(Licence, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'hearing_licence'
            indexes = ((('hearing', 'licence'), True),)
    db.create_tables([HearingLicence])

    class LicenceEvent(Model):
        licence = ForeignKeyField(Licence, on_delete='CASCADE')
        from_status = CharField(null=True, max_length=12)
        to_status = CharField(max_length=12)
        reason = TextField()
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'licence_event'
            indexes = ((('licence', 'at'), False),)
    db.create_tables([LicenceEvent])

    class Premises(Model):
        name = CharField(index=True, max_length=200)
        type = CharField(index=True, max_length=20)
        address = TextField()
        postcode = CharField(index=True, null=True, max_length=8)
        lat = FloatField(null=True)
        lon = FloatField(null=True)
        location_precision = CharField(null=True, max_length=10)
        location_source = CharField(null=True, max_length=30)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'premises'
    db.create_tables([Premises])

    class PremisesPerson(Model):
        premises = ForeignKeyField(Premises, on_delete='CASCADE')
        person = ForeignKeyField(Person, on_delete='CASCADE')
        role = CharField(max_length=10)
        class Meta:
            database = db
            table_name = 'premises_person'
            indexes = ((('premises', 'person', 'role'), True),)
    db.create_tables([PremisesPerson])

    class RecommendationPartner(Model):
        recommendation = ForeignKeyField(Recommendation, on_delete='CASCADE')
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'recommendation_partner'
            indexes = ((('recommendation', 'organisation'), True),)
    db.create_tables([RecommendationPartner])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('recommendation_partner'))
    migrator.migrate(migrator.drop_table('premises_person'))
    migrator.migrate(migrator.drop_table('premises'))
    migrator.migrate(migrator.drop_table('licence_event'))
    migrator.migrate(migrator.drop_table('hearing_licence'))
    migrator.migrate(migrator.drop_table('hearing_invitation'))
    migrator.migrate(migrator.drop_table('panel_hearing'))
    migrator.migrate(migrator.drop_table('flag'))
    migrator.migrate(migrator.drop_table('decision'))
    migrator.migrate(migrator.drop_table('recommendation'))
    migrator.migrate(migrator.drop_table('licence'))
    migrator.migrate(migrator.drop_table('vehicle'))
    migrator.migrate(migrator.drop_table('person'))
