"""The versioned migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from helpers import TEST_DATABASE_URL
from peewee import DatabaseError, IntegrityError
from playhouse.schema_diff import diff_models

from core.audit import AuditEvent, AuditLogIsAppendOnly, record
from core.db import (all_models, backend_objects, db, existing_objects, migration_runner, open_database,
                     schema_difference)

TARGETS = ["sqlite"] + (["postgres"] if TEST_DATABASE_URL else [])


@pytest.fixture(params=TARGETS)
def empty_database(request, tmp_path):
    """A database with no tables at all."""
    if request.param == "sqlite":
        database = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        database = open_database(TEST_DATABASE_URL)
        with database:
            database.execute_sql("DROP SCHEMA public CASCADE")
            database.execute_sql("CREATE SCHEMA public")
    db.initialize(database)
    yield database
    if request.param == "postgres":
        # Leave the shared test database at head for the rest of the run.
        with database:
            database.execute_sql("DROP SCHEMA public CASCADE")
            database.execute_sql("CREATE SCHEMA public")
            migration_runner().up()
    database.close()


def test_migrating_an_empty_database_to_head_matches_the_models(empty_database):
    applied = migration_runner().up()
    assert applied and applied[0] == "0001_foundation"
    difference = schema_difference(empty_database, all_models())
    assert not difference, f"models and migrations disagree:\n{difference}"
    # What the models name as this backend's own objects (name search's FTS5 table and triggers, or its GIN
    # index) was made, and schema_difference set aside nothing else.
    declared = backend_objects(empty_database, all_models())
    assert declared and declared <= existing_objects(empty_database)
    assert {index.name for index in diff_models(empty_database, all_models()).drop_indexes} == \
        {name for kind, name in declared if kind == "index"}
    assert migration_runner().up() == []  # nothing left to apply


def test_every_migration_can_be_reverted_and_reapplied(empty_database):
    runner = migration_runner()
    applied = runner.up()
    reverted = runner.down(applied[0])
    assert reverted == list(reversed(applied))
    assert not any(empty_database.table_exists(m._meta.table_name) for m in all_models())
    assert not backend_objects(empty_database, all_models()) & existing_objects(empty_database)
    assert runner.up() == applied
    assert not schema_difference(empty_database, all_models())
    assert backend_objects(empty_database, all_models()) <= existing_objects(empty_database)


def test_the_database_itself_refuses_to_change_or_delete_audit_entries(empty_database):
    migration_runner().up()
    event = record("test.event", record_type="thing", record_id=1)
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.update(action="changed").execute()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete_instance()
    # Bypassing the model with raw SQL is stopped by the trigger.
    for statement in ("UPDATE audit_event SET action = 'changed'", "DELETE FROM audit_event"):
        with pytest.raises((IntegrityError, DatabaseError)):
            with empty_database.atomic():
                empty_database.execute_sql(statement)
    assert AuditEvent.get_by_id(event.id).action == "test.event"
