"""Geocoding: the gazetteer and its imports, the geocode cache, each record's location request, and the
administrator's online-geocoder switch; and every location slot in double precision.

PostgreSQL stored lat and lon as REAL (4 bytes: a latitude rounded to about 40 cm), so they become DOUBLE PRECISION
there. On SQLite a REAL is already 8 bytes and nothing changes: its tables are never rebuilt (with foreign keys on,
a rebuilt table would cascade deletes into its children; see 0009)."""
from peewee import *

LOCATION_SLOTS = ('premises', 'intelligence_entry', 'operation_target')


def _slots_to(db, sql_type):
    if isinstance(db, PostgresqlDatabase):
        for table in LOCATION_SLOTS:
            db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "lat" TYPE {sql_type}, '
                           f'ALTER COLUMN "lon" TYPE {sql_type}')


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class GazetteerImport(Model):
        filename = CharField(max_length=255)
        started_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        total_rows = IntegerField(default=0)
        created = IntegerField(default=0)
        updated = IntegerField(default=0)
        unchanged = IntegerField(default=0)
        failed = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'gazetteer_import'
    db.create_tables([GazetteerImport])

    class GazetteerAddress(Model):
        uprn = CharField(max_length=12, null=True, unique=True)
        address = TextField()
        address_key = TextField()
        postcode = CharField(max_length=8, index=True)
        lat = DoubleField()
        lon = DoubleField()
        source_file = CharField(max_length=255)
        source_import = ForeignKeyField(GazetteerImport, null=True, on_delete='SET NULL')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'gazetteer_address'
            indexes = ((('postcode', 'address_key'), True),)
    db.create_tables([GazetteerAddress])

    class GeocodeCache(Model):
        address_key = TextField()
        postcode = CharField(max_length=8, default='')
        lat = DoubleField()
        lon = DoubleField()
        precision = CharField(max_length=10)
        source = CharField(max_length=30)
        found_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'geocode_cache'
            indexes = ((('address_key', 'postcode'), True),)
    db.create_tables([GeocodeCache])

    class LocationTask(Model):
        record_type = CharField(max_length=30)
        record_id = IntegerField()
        status = CharField(max_length=10, default='waiting')
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        last_error = TextField(null=True)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'location_task'
            indexes = ((('record_type', 'record_id'), True), (('status', 'next_attempt_at'), False))
    db.create_tables([LocationTask])

    class GeocoderSwitch(Model):
        online = BooleanField(default=False)
        changed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        changed_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'geocoder_switch'
    db.create_tables([GeocoderSwitch])
    _slots_to(db, 'DOUBLE PRECISION')


def down(migrator, db):
    _slots_to(db, 'REAL')
    for table in ('geocoder_switch', 'location_task', 'geocode_cache', 'gazetteer_address', 'gazetteer_import'):
        migrator.migrate(migrator.drop_table(table))
