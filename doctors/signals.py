"""What the doctors app announces, for the apps above it (the waitlist) to act on."""

from django.dispatch import Signal

# New free slots were published (``publish_availability``), inside its transaction: kwargs ``slot_ids``.
# Receivers take no locks of their own (see ``appointments.signals``); work that needs them goes into a task.
slots_published = Signal()
