"""The database: one proxy every model binds to, opened from DATABASE_URL, a connection per request."""
import logging
from pathlib import Path

import click
from flask.cli import AppGroup
from peewee import DatabaseProxy, Model, OperationalError, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrations import Runner, template
from playhouse.schema_diff import diff_models

db = DatabaseProxy()
log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class BaseModel(Model):
    """Base of every model in the product."""

    class Meta:
        database = db
        legacy_table_names = False


def all_models():
    """Every concrete model, found by walking BaseModel's subclasses (packages must be imported)."""
    seen, stack = [], list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop()
        if model not in seen:
            seen.append(model)
            stack.extend(model.__subclasses__())
    return sorted(seen, key=lambda m: m._meta.table_name)


def open_database(url):
    """Connect lazily to the database at url, with foreign keys enforced on SQLite."""
    if url.startswith("sqlite"):
        # WAL lets the web and the worker read while the other writes; busy_timeout waits for locks;
        # analysis_limit bounds the ANALYZE that optimize() may run, as SQLite advises. Each request has its own
        # connection and so a cold page cache: mmap_size lets it read the file through the operating system's
        # cache instead of a system call per page (a search touching thousands of rows ran 1.5x faster).
        return connect(url, pragmas={"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 5000,
                                     "analysis_limit": 400, "mmap_size": 256 * 1024 * 1024})
    return connect(url)


def optimize():
    """Let SQLite refresh its query planner's statistics where they are missing or stale: PRAGMA optimize, which
    SQLite advises running before a connection closes (and now and then on one kept open). Usually a no-op; after
    an import or a migration it ANALYZEs the tables this connection used. Without statistics SQLite drives some
    of records/links.py's joins from the wrong table. PostgreSQL keeps its own (autovacuum)."""
    if is_sqlite() and not db.is_closed() and not db.in_transaction():
        try:
            db.execute_sql("PRAGMA optimize")
        except OperationalError as error:  # busy: the next connection to close tries again
            log.warning("PRAGMA optimize skipped: %s", error)


def init_app(app):
    """Bind the proxy to the configured database and manage a connection per request."""
    db.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed():
            optimize()
            db.close()

    app.cli.add_command(db_cli)


def is_sqlite():
    return isinstance(db.obj, SqliteDatabase)


def migration_runner():
    return Runner(db.obj, directory=str(MIGRATIONS))


def backend_name(database):
    return "sqlite" if isinstance(database, SqliteDatabase) else "postgresql"


def backend_objects(database, models):
    """The (kind, name) pairs of tables, triggers, indexes and extensions that models name in
    Meta.backend_objects for database's backend: what their migrations make on that backend only, which the
    models cannot declare as fields or indexes (such as SQLite's FTS5 tables or PostgreSQL's GIN indexes)."""
    declared = set()
    for model in models:
        for kind, names in getattr(model._meta, "backend_objects", {}).get(backend_name(database), {}).items():
            declared.update((kind, name) for name in names)
    return declared


def existing_objects(database):
    """Every (kind, name) of table, index, trigger and extension in database's current schema."""
    if isinstance(database, SqliteDatabase):
        return set(database.execute_sql("SELECT type, name FROM sqlite_master").fetchall())
    return set(database.execute_sql(
        "SELECT 'table', tablename FROM pg_tables WHERE schemaname = current_schema() "
        "UNION SELECT 'index', indexname FROM pg_indexes WHERE schemaname = current_schema() "
        "UNION SELECT 'trigger', tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
        "WHERE relnamespace = current_schema()::regnamespace AND NOT tgisinternal "
        "UNION SELECT 'extension', extname FROM pg_extension").fetchall())


def schema_difference(database, models):
    """What the models describe and the database lacks, or has and they do not, as diff_models finds it, less
    the indexes the models name as backend objects (which it would otherwise propose to drop)."""
    difference = diff_models(database, models)
    declared = {name for kind, name in backend_objects(database, models) if kind == "index"}
    return difference._replace(drop_indexes=[i for i in difference.drop_indexes if i.name not in declared])


db_cli = AppGroup("db", help="Create and migrate the database schema.")


@db_cli.command("upgrade")
def upgrade_command():
    """Apply every pending migration."""
    applied = migration_runner().up()
    click.echo("Applied: " + ", ".join(applied) if applied else "Database is up to date.")


@db_cli.command("downgrade")
@click.argument("target", required=False)
def downgrade_command(target):
    """Revert the latest migration, or every one back through TARGET."""
    reverted = migration_runner().down(target)
    click.echo("Reverted: " + ", ".join(reverted) if reverted else "Nothing to revert.")


@db_cli.command("status")
def status_command():
    """List migrations and whether each is applied."""
    for migration in migration_runner().status():
        state = migration.applied.isoformat(" ", "seconds") if migration.applied else "pending"
        click.echo(f"{migration.name:40} {state}")


@db_cli.command("generate")
@click.argument("name")
def generate_command(name):
    """Write migration NAME for what the models have and the database lacks; review it before use."""
    difference = schema_difference(db.obj, all_models())
    if not difference:
        click.echo("The database already matches the models.")
        return
    click.echo(f"Created {migration_runner().create(name, body=template(difference))}")
