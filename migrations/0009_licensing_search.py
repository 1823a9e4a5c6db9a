"""Licensing at scale: licence numbers upper case and indexed alone, and flags and recommendations carrying their
licence's authority (backfilled), indexed for the review queue. Columns are added with ALTER TABLE ADD COLUMN
only: rebuilding a table on SQLite, with foreign keys on, would cascade deletes into its children."""
from peewee import SQL, ForeignKeyField, Model


def up(migrator, db):
    class Organisation(Model):
        class Meta:
            database = db
            table_name = 'organisation'

    # add_column indexes recommendation.authority_id itself (a foreign key); flag's is the partial index below.
    migrator.migrate(
        migrator.add_column('flag', 'authority_id', ForeignKeyField(Organisation, null=True, field=Organisation.id,
                                                                    index=False, on_delete='RESTRICT')),
        migrator.add_column('recommendation', 'authority_id',
                            ForeignKeyField(Organisation, null=True, field=Organisation.id, on_delete='RESTRICT')))
    db.execute_sql('UPDATE licence SET number = UPPER(number) WHERE number <> UPPER(number)')
    for table in ('flag', 'recommendation'):
        db.execute_sql(f'UPDATE "{table}" SET authority_id = '
                       f'(SELECT authority_id FROM licence WHERE licence.id = "{table}".licence_id)')
    migrator.migrate(
        migrator.add_index('licence', ('number',)),
        migrator.add_index('flag', ('authority_id', 'licence_id'), where=SQL('"closed_at" IS NULL'),
                           name='flag_open_authority'),
        migrator.add_index('flag', ('licence_id',), where=SQL('"closed_at" IS NULL'), name='flag_open_licence'))


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('recommendation', 'recommendation_authority_id'),
        migrator.drop_index('flag', 'flag_open_licence'),
        migrator.drop_index('flag', 'flag_open_authority'),
        migrator.drop_index('licence', 'licence_number'),
        migrator.drop_column('recommendation', 'authority_id'),
        migrator.drop_column('flag', 'authority_id'))
