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
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# The default access-log format has no request bodies or Authorization headers; keep it that way.
# Calendar-feed URLs carry their secret token in the path: the logger blanks it out.
logger_class = "scheduler.gunicorn_logging.RedactingLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
