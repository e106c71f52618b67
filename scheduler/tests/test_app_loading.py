"""gunicorn preloads the app in its master and forks the workers: loading must open no database
connection, or every worker would share its socket (interleaved queries, garbled answers: 500s)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

PROBE = """
import scheduler.wsgi  # the app as gunicorn preloads it
from django.db import connections
print(sorted(c.alias for c in connections.all(initialized_only=True) if c.connection is not None))
"""


@pytest.mark.postgres
@pytest.mark.django_db
def test_loading_the_app_opens_no_database_connection():
    db = connection.settings_dict  # the test database: its tables exist, as in production
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "scheduler.settings.base",
        "DJANGO_DEBUG": "off",
        "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", out.stdout + out.stderr[-2000:]
