"""Hotspots: locations of concern, and the data version that triggers on every event source's tables bump.

The triggers run in the writing transaction, so the version changes exactly when the data behind the maps do,
whichever code (or bulk load) wrote them. On PostgreSQL they fire once per statement, so a bulk insert costs
one bump; SQLite has row triggers only.
"""
from peewee import *

# Every table an event source (hotspots.events) reads, and the columns whose updates change an event (so a
# reminder stamped on an action, say, does not invalidate the maps); tests check each source's tables are here.
EVENT_COLUMNS = {
    "intelligence_entry": ("lat", "lon", "location_precision", "occurred_at"),
    "intelligence_premises": ("entry_id", "premises_id"),
    "premises": ("lat", "lon", "location_precision"),
    "location_of_concern": ("lat", "lon", "location_precision", "occurred_at"),
    "disruption_action": ("target_id", "created_at"),
    "operation_target": ("lat", "lon", "premises_id"),
}
EVENT_TABLES = tuple(EVENT_COLUMNS)


def _trigger_name(table):
    return f"hotspot_version_{table}"


def up(migrator, db):
    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class HotspotDataVersion(Model):
        version = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'hotspot_data_version'

    class LocationOfConcern(Model):
        type = CharField(max_length=30)
        occurred_at = DateTimeField()
        place_description = CharField(max_length=200, default='')
        address = CharField(max_length=300, default='')
        postcode = CharField(max_length=8, null=True)
        lat = FloatField(null=True)
        lon = FloatField(null=True)
        location_precision = CharField(max_length=10, null=True)
        location_source = CharField(max_length=30, null=True)
        organisation = ForeignKeyField(Organisation, on_delete='RESTRICT')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'location_of_concern'
            indexes = ((('occurred_at', 'lat', 'lon', 'location_precision'), False),)

    db.create_tables([HotspotDataVersion, LocationOfConcern])
    db.execute_sql("INSERT INTO hotspot_data_version (id, version) VALUES (1, 0)")
    # Covering indexes for the analysis's read of a window of located events.
    migrator.migrate(migrator.add_index('intelligence_entry', ('occurred_at', 'lat', 'lon', 'location_precision'),
                                        name='intelligence_entry_located'))
    bump = "UPDATE hotspot_data_version SET version = version + 1 WHERE id = 1"
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("CREATE FUNCTION hotspot_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
                       f"$$ BEGIN {bump}; RETURN NULL; END $$")
        for table, columns in EVENT_COLUMNS.items():
            db.execute_sql(f'CREATE TRIGGER {_trigger_name(table)} AFTER INSERT OR DELETE OR UPDATE OF '
                           f'{", ".join(columns)} ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION hotspot_version_bump()')
    else:
        for table, columns in EVENT_COLUMNS.items():
            for operation in ("INSERT", "DELETE", f"UPDATE OF {', '.join(columns)}"):
                db.execute_sql(f'CREATE TRIGGER {_trigger_name(table)}_{operation.split()[0].lower()} '
                               f'AFTER {operation} ON "{table}" BEGIN {bump}; END')


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table in EVENT_TABLES:
            db.execute_sql(f'DROP TRIGGER {_trigger_name(table)} ON "{table}"')
        db.execute_sql("DROP FUNCTION hotspot_version_bump()")
    else:
        for table in EVENT_TABLES:
            for operation in ("insert", "update", "delete"):
                db.execute_sql(f"DROP TRIGGER {_trigger_name(table)}_{operation}")
    migrator.migrate(migrator.drop_index('intelligence_entry', 'intelligence_entry_located'))
    migrator.migrate(migrator.drop_table('location_of_concern'))
    migrator.migrate(migrator.drop_table('hotspot_data_version'))
