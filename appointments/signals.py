"""What the appointment commands announce, for the apps above (notifications, waitlist) to act on.

Each is sent by a command of ``appointments.services`` inside its transaction, under its locks, after the
change is written: a receiver's writes (a notification row, a task row) commit or roll back with it.
Receivers must take no lock of their own (a patient, a slot): they would break the one lock order. Work
that needs locks goes into a task, which runs after the commit.
"""

from django.dispatch import Signal

# A booking made directly (``book_appointment``): kwargs ``appointment``.
appointment_booked = Signal()
# A hold confirmed, which makes it a booking (``confirm_appointment``): kwargs ``appointment``.
appointment_confirmed = Signal()
# Cancelled, or a hold released (``cancel_appointment``): kwargs ``appointment``, ``previous_status``
# (``pending`` or ``scheduled``), ``by``.
appointment_cancelled = Signal()
# Moved to another slot (``reschedule_appointment``): kwargs ``appointment`` (already on its new slot).
appointment_rescheduled = Signal()
# A slot became free again (a cancellation, a reschedule's old slot, an expired hold): kwargs ``slot_id``.
# Newly published hours are ``doctors.signals.slots_published``.
slot_freed = Signal()
