"""Domain signals doctors sends inside the command's transaction."""

from django.dispatch import Signal

# New slots were published (``slot_ids``).
slots_published = Signal()
