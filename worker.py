"""The rq worker: builds the app and runs each job inside its context with its own database connection.

Run any number of these, on any hosts that reach the database and Redis: `python worker.py`.
Each also queues the periodic follow-up sweep (at most once per interval across all of them),
and keeps going through database or Redis outages: a lost connection restarts the worker, it
does not end it.
"""
import logging
import multiprocessing
import os
import sys
import time

from redis.exceptions import RedisError
from rq import SimpleWorker

from app import create_app
from core.db import db, optimize
from core.queue import queue

log = logging.getLogger("worker")

SWEEP_JOB = "followups.jobs.sweep"


class AppWorker(SimpleWorker):
    """A worker that runs each job in this process (no fork per job), inside the Flask app context.

    Forking a work horse per job capped delivery near 25 jobs a second (see BENCHMARKS.md); the jobs
    are short and idempotent, and a crash ends the whole worker, which the process supervisor (or
    make run) restarts and the outbox sweep covers, so the horse's isolation buys nothing here.
    """

    def __init__(self, *args, app, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def perform_job(self, *args, **kwargs):
        with self.app.app_context():
            db.connect(reuse_if_open=True)
            succeeded = False
            try:
                succeeded = super().perform_job(*args, **kwargs)
                if succeeded:
                    optimize()  # the connection outlives the job: an import's new rows get their statistics
                return succeeded
            finally:
                # The connection is kept for the next job, unless this one failed: a database
                # restart leaves a dead connection, and the next job must open a fresh one.
                if not succeeded and not db.is_closed():
                    db.close()


def make_worker(app, queue_names=None):
    return AppWorker(queue_names or app.config["RQ_QUEUES"], connection=app.get_redis(), app=app)


def queue_sweeps(app, parent_pid):
    """Queue the sweep job every SWEEP_INTERVAL_SECONDS while the parent worker lives.

    A Redis key taken with SET NX makes one sweep per interval, however many workers run.
    """
    interval = app.config["SWEEP_INTERVAL_SECONDS"]
    with app.app_context():
        while os.getppid() == parent_pid:
            try:
                if app.get_redis().set("followups:sweep-due", "1", nx=True, ex=max(interval - 1, 1)):
                    queue().enqueue(SWEEP_JOB, job_timeout=300, at_front=True)  # ahead of any backlog
            except RedisError as error:
                log.warning("Could not queue the sweep (%s); trying again in %ss", error, interval)
            time.sleep(interval)


def run(app, burst=False):
    """Work until asked to stop; if Redis drops the worker, start a new one when it is back."""
    if not burst:
        sweeper = multiprocessing.Process(target=queue_sweeps, args=(app, os.getpid()), daemon=True,
                                          name="sweep-scheduler")
        sweeper.start()
    while True:
        try:
            worker = make_worker(app)
            worker.work(with_scheduler=True, burst=burst)
        except RedisError as error:
            log.warning("Worker lost Redis (%s)", error)
            worker = None
        # rq notes the time of a SIGTERM/SIGINT (warm shutdown); anything else that ended the loop
        # was an outage it could not ride out (rq retries refused connections itself, not timeouts).
        if burst or (worker is not None and worker._shutdown_requested_date is not None):
            return
        log.warning("Worker stopped unexpectedly; starting again in 5 s")
        time.sleep(5)


def main(argv):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run(create_app(), burst="--burst" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])
