"""Domain signals appointments sends inside the command's transaction (a rollback undoes what receivers wrote).

Apps above appointments (waitlist, notifications) react here, so appointments never imports them.
Receivers must not lock rows that come before the command's own locks (DesignDecisions.md, lock order):
they enqueue a task, written in the same transaction.
"""

from django.dispatch import Signal

# A slot became free (a cancellation, a released or expired hold, the old slot of a reschedule): ``slot_id``.
slot_freed = Signal()
# A hold was confirmed (``appointment``): it is now scheduled.
appointment_confirmed = Signal()
