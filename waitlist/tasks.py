"""The waitlist's background tasks (django-tasks), enqueued by ``waitlist.handlers`` in the announcing
transaction and run by the worker after it commits."""

from django_tasks import task

from waitlist import services


@task()
def offer_slots(*, slot_ids: list[int]) -> int:
    """Offer freed or newly published slots to the next in line."""
    return services.offer_slots(slot_ids=slot_ids)


@task()
def settle_offer(*, appointment_id: int) -> int:
    """Settle the offer made with this hold (confirmed: the entry is ``booked``)."""
    return services.settle_offer(appointment_id=appointment_id)
