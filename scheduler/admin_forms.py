"""The admin's front-desk forms meet the services' errors here (kernel: imports no app)."""

import datetime
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.utils import timezone

from scheduler.exceptions import ApplicationError

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
