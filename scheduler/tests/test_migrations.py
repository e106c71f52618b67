"""The migrations describe the models: a model change without its migration fails here."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db  # makemigrations checks the applied history too
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits 1 when a migration would be written
        raise AssertionError(f"Missing migrations:\n{out.getvalue()}") from exc
