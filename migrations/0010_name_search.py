"""Name search by trigrams: every name a person goes by (name and aliases) indexed for substring search.

Both backends index the same text: the name and each alias on a line of its own, every line starting with a
space, so that " ng" (a two-letter term) finds a word starting "Ng" and a longer term is found anywhere.
SQLite copies that text into an FTS5 table with the trigram tokenizer, kept up to date by triggers on person;
PostgreSQL indexes the expression itself with pg_trgm (records.models.names_text spells it the same way, or
the planner cannot use the index). These objects exist on one backend each, so the models cannot declare
them; Person.Meta.backend_objects names them and tests/test_migrations.py checks they exist.
"""
from peewee import PostgresqlDatabase

# The text indexed for one person row (SQL, for `new.` or `old.` in a trigger, or bare columns).
SQLITE_NAMES = "' ' || {row}name || char(10) || ' ' || replace({row}aliases, char(10), char(10) || ' ')"
POSTGRES_NAMES = "' ' || name || E'\\n ' || replace(aliases, E'\\n', E'\\n ')"

SQLITE_UP = [
    "CREATE VIRTUAL TABLE person_name_search USING fts5(names, tokenize='trigram')",
    "INSERT INTO person_name_search (rowid, names) SELECT id, " + SQLITE_NAMES.format(row="") + " FROM person",
    "CREATE TRIGGER person_name_search_insert AFTER INSERT ON person BEGIN "
    "INSERT INTO person_name_search (rowid, names) VALUES (new.id, " + SQLITE_NAMES.format(row="new.") + "); END",
    "CREATE TRIGGER person_name_search_update AFTER UPDATE OF id, name, aliases ON person BEGIN "
    "DELETE FROM person_name_search WHERE rowid = old.id; "
    "INSERT INTO person_name_search (rowid, names) VALUES (new.id, " + SQLITE_NAMES.format(row="new.") + "); END",
    "CREATE TRIGGER person_name_search_delete AFTER DELETE ON person BEGIN "
    "DELETE FROM person_name_search WHERE rowid = old.id; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER person_name_search_delete",
    "DROP TRIGGER person_name_search_update",
    "DROP TRIGGER person_name_search_insert",
    "DROP TABLE person_name_search",
]
POSTGRES_UP = [
    # pg_trgm is a trusted extension: the database's owner may create it without being a superuser.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f'CREATE INDEX "person_names_trgm" ON "person" USING gin (({POSTGRES_NAMES}) gin_trgm_ops)',
]
POSTGRES_DOWN = [
    'DROP INDEX "person_names_trgm"',
    # Without CASCADE: if anything else has come to use pg_trgm, the downgrade stops here instead of breaking it.
    "DROP EXTENSION IF EXISTS pg_trgm",
]


def up(migrator, db):
    for statement in POSTGRES_UP if isinstance(db, PostgresqlDatabase) else SQLITE_UP:
        db.execute_sql(statement)


def down(migrator, db):
    for statement in POSTGRES_DOWN if isinstance(db, PostgresqlDatabase) else SQLITE_DOWN:
        db.execute_sql(statement)
