"""A request whose database connection is lost answers 503 + Retry-After + JSON, never 500 (API.md).

Each test kills the very session the request uses, from a second connection, as a failover or a DBA's
``pg_terminate_backend`` would; the code under test runs unchanged.
"""

from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import DataError, OperationalError, connection, transaction
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD
from appointments import services
from appointments.models import Appointment
from doctors.tests.factories import SlotFactory
from patients import selectors as patient_selectors
from scheduler.db_unavailable import BODY, connection_lost

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def kill_this_session() -> None:
    """Terminate this thread's database session from another connection and wait until it is gone."""
    connection.ensure_connection()
    pid = connection.connection.get_backend_pid()
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            assert cursor.fetchone()[0]
    finally:
        other.close()


@pytest.fixture(autouse=True)
def _reconnect_afterwards():
    yield
    connection.close()  # the killed session; the next query opens a new one (as the next request would)


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response["Content-Type"] == "application/json"
    assert response.json() == BODY


def test_killed_before_authentication_reads_the_user_is_503(patient, client_for):
    api = client_for(patient.user)
    kill_this_session()
    assert_unavailable(api.get("/api/patients/me/"))


def test_killed_inside_an_api_view_is_503(patient, client_for):
    api = client_for(patient.user)
    original = patient_selectors.get_own_patient

    def killed_then_read(**kwargs):
        kill_this_session()
        return original(**kwargs)

    with mock.patch.object(patient_selectors, "get_own_patient", killed_then_read):
        assert_unavailable(api.get("/api/patients/me/"))


def test_killed_inside_a_service_transaction_is_503_and_nothing_is_written(patient, client_for):
    slot = SlotFactory()
    api = client_for(patient.user)
    original = services.lock_patient

    def killed_then_lock(*args, **kwargs):
        kill_this_session()
        return original(*args, **kwargs)

    with mock.patch.object(services, "lock_patient", killed_then_lock):
        assert_unavailable(api.post("/api/appointments/", {"slot": slot.pk}, format="json"))
    connection.close()
    assert not Appointment.objects.exists()


def test_killed_in_a_view_outside_drf_is_503(admin_user):
    browser = Client()
    browser.force_login(admin_user)
    kill_this_session()  # the admin reads the session and the user first
    assert_unavailable(browser.get("/admin/patients/patient/"))


def test_killed_while_a_middleware_saves_the_session_is_503(admin_user):
    browser = Client(raise_request_exception=False)
    original = SessionStore.save

    def killed_then_save(self, *args, **kwargs):
        kill_this_session()
        return original(self, *args, **kwargs)

    # Signing in to the admin changes the session, which SessionMiddleware saves after the view has
    # answered: the error is raised by a middleware, where Django calls handler500.
    with mock.patch.object(SessionStore, "save", killed_then_save):
        response = browser.post(
            "/admin/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD, "next": "/admin/"}
        )
    assert_unavailable(response)


def test_other_database_errors_keep_their_answer():
    """A statement timeout or a lock that is not available leaves the connection fine: not a 503."""
    with pytest.raises(OperationalError) as timeout, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    assert not connection_lost(timeout.value)
    with pytest.raises(DataError) as bad_value, connection.cursor() as cursor:
        cursor.execute("SELECT 2147483648::int")
    assert not connection_lost(bad_value.value)
    assert not connection_lost(OperationalError("database is locked"))  # SQLite's, without a driver code
    assert not connection_lost(ValueError())


def test_a_refused_connection_is_lost():
    params = {**connection.get_connection_params(), "port": 1}  # nothing listens there
    with pytest.raises(OperationalError) as refused, connection.wrap_database_errors:
        connection.get_new_connection(params)
    assert connection_lost(refused.value)


def test_handler500_answers_and_logs_a_lost_connection(rf, caplog):
    """What a middleware raises reaches handler500: a 503 there too, logged like the others (no SQL)."""
    from django.db import InterfaceError

    from scheduler.views import server_error

    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        response = server_error(rf.post("/admin/login/"))
    assert response.status_code == 503 and response["Retry-After"]
    assert "Database connection lost during POST /admin/login/: InterfaceError" in caplog.text
