"""Waitlist queries: what each caller may see."""

from django.db.models import QuerySet

from accounts.models import User
from scheduler.exceptions import NotFound
from waitlist.models import WaitlistEntry


def entries_visible_to(user: User) -> QuerySet[WaitlistEntry]:
    """Admins see every entry; a patient their own; anyone else none."""
    entries = WaitlistEntry.objects.order_by("created_at", "id")
    if user.is_admin:
        return entries
    if user.is_patient:
        return entries.filter(patient__user=user)
    return entries.none()


def get_entry_for(*, user: User, entry_id: int) -> WaitlistEntry:
    entry = entries_visible_to(user).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("Waitlist entry not found.")
    return entry
