"""Doctor, department and specialization queries."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from doctors.models import Doctor, Slot, SlotStatus
from scheduler.exceptions import NotFound


def doctor_list() -> QuerySet[Doctor]:
    """Every active doctor with what the profile shows, next free slot included, in one query."""
    next_free = Slot.objects.filter(doctor=OuterRef("pk"), status=SlotStatus.FREE, start__gt=timezone.now())
    return (
        Doctor.objects.select_related("user", "specialization", "department")
        .filter(user__is_active=True)
        .annotate(next_free_slot=Subquery(next_free.order_by("start").values("start")[:1]))
    )


def get_doctor(*, doctor_id: int) -> Doctor:
    doctor = doctor_list().filter(pk=doctor_id).first()
    if doctor is None:
        raise NotFound("Doctor not found.")
    return doctor


def get_own_doctor(*, user) -> Doctor:
    doctor = doctor_list().filter(user=user).first()
    if doctor is None:
        raise NotFound("You have no doctor profile.")
    return doctor


# The columns the slot representation needs: all of them are in the covering search indexes.
SLOT_COLUMNS = ["id", "doctor", "specialization", "department", "start", "end", "status"]


def slot_list() -> QuerySet[Slot]:
    """Slots earliest first. Filtering happens on the slot's own columns, so the partial indexes serve."""
    return Slot.objects.only(*SLOT_COLUMNS).order_by("start", "id")


def get_slot(*, slot_id: int) -> Slot:
    slot = slot_list().filter(pk=slot_id).first()
    if slot is None:
        raise NotFound("Slot not found.")
    return slot
