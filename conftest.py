"""Shared fixtures: an API client, users of each role, and the PostgreSQL-only test gate.

Tests marked ``postgres`` prove what only PostgreSQL can (exclusion constraints, row locks, real
concurrency). On SQLite they are skipped with a plain message, unless ``REQUIRE_POSTGRES=1`` (set by
CI), which turns every such skip into a failure.
"""

import os
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.services import issue_tokens
from accounts.tests.factories import ReceptionistFactory, UserFactory


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    if _on_postgres():
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but DATABASE_URL is not a PostgreSQL database: no test may skip.")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


def pytest_report_header(config):
    if _on_postgres():
        return "database: PostgreSQL (every test runs)"
    return "database: SQLite; tests marked 'postgres' are SKIPPED (set DATABASE_URL to a PostgreSQL database)"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def _client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(user=user).access}")
    return client


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    """``client_for(user)``: an API client that sends ``user``'s bearer token."""
    return _client_for


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def receptionist(db) -> User:
    """A receptionist: an admin-role staff user with the front desk's model permissions only."""
    return ReceptionistFactory()


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return _client_for(admin_user)


@pytest.fixture
def patient(db):
    from patients.tests.factories import PatientFactory

    return PatientFactory()


@pytest.fixture
def other_patient(db):
    from patients.tests.factories import PatientFactory

    return PatientFactory()


@pytest.fixture
def doctor(db):
    from doctors.tests.factories import DoctorFactory

    return DoctorFactory()


@pytest.fixture
def other_doctor(db):
    from doctors.tests.factories import DoctorFactory

    return DoctorFactory()


@pytest.fixture
def patient_client(patient) -> APIClient:
    return _client_for(patient.user)


@pytest.fixture
def other_patient_client(other_patient) -> APIClient:
    return _client_for(other_patient.user)


@pytest.fixture
def doctor_client(doctor) -> APIClient:
    return _client_for(doctor.user)


@pytest.fixture
def other_doctor_client(other_doctor) -> APIClient:
    return _client_for(other_doctor.user)
