"""What the waitlist does when appointments or doctors announce something (connected in ``WaitlistConfig.ready``).

Each receiver runs inside the announcing command's transaction, which holds the patient's and the slot's
locks: it reads without locking and at most enqueues a task (a row written in that transaction, so a
rollback offers nothing). The task, run by a worker after the commit, takes the waitlist's locks first.
"""

from typing import Any

from appointments.models import Appointment
from waitlist import services, tasks
from waitlist.models import EntryStatus, WaitlistEntry


def offer_freed_slot(sender: Any, *, slot_id: int, **kwargs: Any) -> None:
    """``appointments.signals.slot_freed``: offer the slot to the next in line, if anyone waits for it."""
    if services.slots_with_waiting([slot_id]):
        tasks.offer_slots.enqueue(slot_ids=[slot_id])


def offer_published_slots(sender: Any, *, slot_ids: list[int], **kwargs: Any) -> None:
    """``doctors.signals.slots_published``: newly published hours serve waiting entries too."""
    wanted = services.slots_with_waiting(slot_ids)
    if wanted:
        tasks.offer_slots.enqueue(slot_ids=wanted)


def settle_confirmed_offer(sender: Any, *, appointment: Appointment, **kwargs: Any) -> None:
    """``appointments.signals.appointment_confirmed``: a confirmed offer makes its entry ``booked``."""
    if WaitlistEntry.objects.filter(appointment_id=appointment.pk, status=EntryStatus.OFFERED).exists():
        tasks.settle_offer.enqueue(appointment_id=appointment.pk)
