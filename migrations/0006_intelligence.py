"""Intelligence entries with their 3x5x2 grading, the records they name and the organisations their conditions name."""
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
        class Meta:
            database = db
            table_name = 'person'

    class Vehicle(Model):
        class Meta:
            database = db
            table_name = 'vehicle'

    class Premises(Model):
        class Meta:
            database = db
            table_name = 'premises'

    class IntelligenceEntry(Model):
        text = TextField()
        source_evaluation = IntegerField()
        intelligence_assessment = CharField(max_length=1)
        handling_code = CharField(index=True, max_length=1)
        handling_conditions = TextField(default='')
        occurred_at = DateTimeField(index=True)
        place_address = TextField(default='')
        place_postcode = CharField(null=True, max_length=8)
        lat = FloatField(null=True)
        lon = FloatField(null=True)
        location_precision = CharField(null=True, max_length=10)
        location_source = CharField(null=True, max_length=30)
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'intelligence_entry'
    db.create_tables([IntelligenceEntry])

    class IntelligenceRecipient(Model):
        entry = ForeignKeyField(IntelligenceEntry, on_delete='CASCADE')
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'intelligence_recipient'
            indexes = ((('entry', 'organisation'), True),)

    class IntelligencePerson(Model):
        entry = ForeignKeyField(IntelligenceEntry, on_delete='CASCADE')
        person = ForeignKeyField(Person, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'intelligence_person'
            indexes = ((('entry', 'person'), True), (('person', 'entry'), False))

    class IntelligenceVehicle(Model):
        entry = ForeignKeyField(IntelligenceEntry, on_delete='CASCADE')
        vehicle = ForeignKeyField(Vehicle, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'intelligence_vehicle'
            indexes = ((('entry', 'vehicle'), True), (('vehicle', 'entry'), False))

    class IntelligencePremises(Model):
        entry = ForeignKeyField(IntelligenceEntry, on_delete='CASCADE')
        premises = ForeignKeyField(Premises, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'intelligence_premises'
            indexes = ((('entry', 'premises'), True), (('premises', 'entry'), False))
    db.create_tables([IntelligenceRecipient, IntelligencePerson, IntelligenceVehicle, IntelligencePremises])


def down(migrator, db):
    for table in ('intelligence_premises', 'intelligence_vehicle', 'intelligence_person', 'intelligence_recipient',
                  'intelligence_entry'):
        migrator.migrate(migrator.drop_table(table))
