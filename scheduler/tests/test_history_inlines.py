"""Appointment events and record versions are history: the admin shows them and offers no way to edit them."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from appointments.models import Appointment
from records.models import MedicalRecord


@pytest.mark.parametrize("model", [Appointment, MedicalRecord])
def test_history_inlines_offer_no_add_change_or_delete(model, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    inlines = admin.site._registry[model].get_inline_instances(request, None)
    assert inlines, f"{model.__name__} admin shows its history inline"
    for inline in inlines:
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request, None)
        assert not inline.can_delete
        assert list(inline.get_readonly_fields(request)) == list(inline.fields)
