"""gunicorn settings for production (`make serve`, README Deployment). Every value can be overridden."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short and database-bound. One per core measured best on a 2-core
# machine that also runs PostgreSQL (bench/README.md); with the database elsewhere, try 2 x cores + 1.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound, rarely and spread out: every
# restart costs a worker for a moment (5,000 made both workers restart together every half minute
# under load and doubled the p99).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 2
# Load the app once in the master: a worker restart is then a fork, not a re-import. Django opens
# database connections lazily, so no connection is shared across the fork.
preload_app = True
# Off by default: the app logs one JSON line per request (scheduler.request_log) with the request id and
# the user, and without the query string, which gunicorn's access log would print (names in searches).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# If it is turned on: calendar-feed URLs carry their secret token in the path, which this logger blanks out.
logger_class = "scheduler.gunicorn_logging.RedactingLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


# Metrics of all workers (scheduler.metrics): with PROMETHEUS_MULTIPROC_DIR set, each worker counts in
# files there; they are emptied when the server starts and a dead worker's live gauges are dropped.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir:
    os.makedirs(_metrics_dir, exist_ok=True)
    for _name in os.listdir(_metrics_dir):
        if _name.endswith(".db"):
            os.remove(os.path.join(_metrics_dir, _name))


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    """In the master, after the preloaded app: no database connection may cross the fork.

    A connection opened while loading would be inherited by every worker, which would then interleave
    their queries on one socket (garbled results: 500s). Loading opens none (a test says so); this
    closes any that a future change opens.
    """
    from django.db import connections

    connections.close_all()
