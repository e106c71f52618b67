"""Database sessions terminated while real clients book and cancel on a live server.

Only 2xx, 409 and 503 may come back; the booking invariants hold afterwards; and the same server keeps
answering once the faults stop, without a restart.
"""

import random
import threading
import time
from collections import Counter

import pytest
import requests
from django.db import connection

from accounts.services import issue_tokens
from appointments.invariants import invariant_violations
from doctors.tests.factories import DoctorFactory, SlotFactory
from patients.tests.factories import PatientFactory
from scheduler.db_unavailable import BODY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 6
SECONDS = 4
KILL_EVERY = 0.03
TERMINATE_ALL_OTHERS = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def test_terminated_sessions_under_load_answer_503_never_500_and_the_server_recovers(live_server):
    doctor = DoctorFactory()
    slots = [SlotFactory(doctor=doctor).pk for _ in range(12)]
    tokens = [issue_tokens(user=PatientFactory().user).access for _ in range(CLIENTS)]
    api = f"{live_server.url}/api/appointments/"
    stop = threading.Event()
    statuses: Counter = Counter()
    bad_503s: list = []
    kills = [0]
    guard = threading.Lock()

    errors: list = []

    def recording_errors(target):
        def run(*args):
            try:
                target(*args)
            except Exception as exc:  # a thread's exception would otherwise only be printed
                errors.append(repr(exc))
                stop.set()

        return run

    def client(token: str, seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        mine: list[int] = []
        while not stop.is_set():
            if mine and rng.random() < 0.5:
                response = session.post(f"{api}{mine.pop(rng.randrange(len(mine)))}/cancel/", json={}, timeout=30)
            elif rng.random() < 0.2:
                response = session.get(api, timeout=30)
            else:
                response = session.post(api, json={"slot": rng.choice(slots)}, timeout=30)
                if response.status_code == 201:
                    mine.append(response.json()["id"])
            with guard:
                statuses[response.status_code] += 1
                if response.status_code == 503 and (response.json() != BODY or "Retry-After" not in response.headers):
                    bad_503s.append((response.headers, response.text))

    def killer() -> None:
        # A separate connection, as a DBA or a failover would; it spares only itself.
        other = connection.get_new_connection(connection.get_connection_params())
        other.autocommit = True
        try:
            with other.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(TERMINATE_ALL_OTHERS)
                    kills[0] += cursor.fetchone()[0]
                    time.sleep(KILL_EVERY)
        finally:
            other.close()

    connection.close()  # this thread's session is among the ones terminated
    threads = [threading.Thread(target=recording_errors(client), args=(t, i)) for i, t in enumerate(tokens)]
    threads.append(threading.Thread(target=recording_errors(killer)))
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join()

    assert not errors
    assert kills[0] > 0 and statuses[503] > 0, (kills, statuses)  # the faults did hit requests
    assert set(statuses) <= {200, 201, 409, 503}, statuses
    assert not bad_503s
    connection.close()
    assert invariant_violations() == dict.fromkeys(invariant_violations(), 0)

    # The same server, no restart: every client is answered again, and a new booking goes through.
    for token in tokens:
        assert requests.get(api, headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code == 200
    fresh = SlotFactory(doctor=doctor)
    booked = requests.post(api, json={"slot": fresh.pk}, headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=30)
    assert booked.status_code == 201, booked.text
