"""The admin's front-desk forms meet the services' errors here (kernel: imports no app)."""

import datetime
from collections.abc import Callable
from typing import TypeVar

from django.contrib import admin
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.core.exceptions import ValidationError
from django.utils import timezone

from scheduler.exceptions import ApplicationError, PermissionDenied

T = TypeVar("T")


def call_service(form, call: Callable[[], T]) -> T | None:
    """Run a service for an admin form; its refusal lands on the form, and None is returned.

    A ``ValidationError`` goes on the fields it names (a field the form lacks: a form-level error naming
    it); a domain error (a conflict, a refusal, not found) is a form-level error with the service's words.
    The service owns its transaction, so a refusal has written nothing.
    """
    try:
        return call()
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for name, messages in errors.items():
            if name in form.fields:
                form.add_error(name, messages)
            else:
                form.add_error(None, [f"{name}: {m}" if name and name != "__all__" else m for m in messages])
    except ApplicationError as exc:
        lines = [exc.detail]
        for conflict in exc.extra.get("conflicts", []):  # a slot overlap lists the slots in the way
            start = timezone.localtime(datetime.datetime.fromisoformat(conflict["start"]))
            end = timezone.localtime(datetime.datetime.fromisoformat(conflict["end"]))
            lines.append(
                f"In the way: slot {conflict['id']}, {start:%Y-%m-%d %H:%M}–{end:%H:%M} ({conflict['status']})."
            )
        form.add_error(None, lines)
    return None


class ProfileSavedThroughServices:
    """``save_model`` of a profile admin (doctors, patients): through the services, as the API.

    A change goes to ``update_profile`` (it locks the row and writes only what changed; its object rule
    refused is a 403 page, as in the API); a new profile to ``add_profile``. Set both (as staticmethods)
    and ``profile_fields``, the fields the update service takes.
    """

    profile_fields: frozenset[str] | set[str]

    @staticmethod
    def update_profile(obj, *, by, **changes):  # pragma: no cover - set by the admin class
        raise NotImplementedError

    @staticmethod
    def add_profile(**data):  # pragma: no cover - set by the admin class
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in self.profile_fields}
            if changes:
                try:
                    self.update_profile(obj, by=request.user, **changes)
                except PermissionDenied as exc:
                    raise AdminPermissionDenied(exc.detail) from exc
                obj.refresh_from_db()
            return
        data = {name: value for name, value in form.cleaned_data.items() if name in {"user", *self.profile_fields}}
        created = self.add_profile(**data)
        vars(obj).update(vars(created))  # the admin goes on with obj (its log entry, the redirect)


class AccessLogAdmin(admin.ModelAdmin):
    """An audit trail of reads (records, patient profiles), read-only: no add, change or delete (the
    database refuses them too). Subclasses name the object's column in ``list_display`` and search."""

    list_select_related = ["user"]
    list_filter = ["action", "at"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
