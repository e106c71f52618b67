"""The iCalendar (RFC 5545) document of a user's appointments, built with the ``icalendar`` library."""

import datetime
from collections.abc import Iterable

from icalendar import Calendar, Event

from accounts.models import User
from appointments.models import Appointment, AppointmentStatus

# RFC 5545 VEVENT STATUS: a hold is tentative, a cancelled (or expired) one cancelled, any other visit confirmed.
ICAL_STATUS = {AppointmentStatus.PENDING: "TENTATIVE", AppointmentStatus.CANCELLED: "CANCELLED"}


def _summary(appointment: Appointment, viewer: User) -> tuple[str, str]:
    doctor = appointment.doctor
    if viewer.is_doctor:
        # A calendar is often shared or synced: the patient by initials only.
        return f"Appointment: patient {appointment.patient.user.initials or '?'}", doctor.department.name
    name = doctor.user.full_name or doctor.user.email
    return f"Appointment with Dr. {name} ({doctor.specialization.name})", doctor.department.name


def build_calendar(
    *, appointments: Iterable[Appointment], viewer: User, uid_domain: str, now: datetime.datetime
) -> bytes:
    """One VEVENT per appointment, UID ``appointment-<id>@<uid_domain>`` (stable across rotations and moves),
    times in UTC; the doctor and department (a patient's feed) or the patient's initials (a doctor's), and
    never the reason, a diagnosis or insurance details."""
    calendar = Calendar()
    calendar.add("prodid", "-//Clinic Scheduler//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Clinic appointments")
    for appointment in appointments:
        status = appointment.effective_status  # an expired hold reads cancelled
        summary, location = _summary(appointment, viewer)
        event = Event()
        event.add("uid", f"appointment-{appointment.pk}@{uid_domain}")
        event.add("dtstamp", now.astimezone(datetime.UTC))
        event.add("last-modified", appointment.updated_at.astimezone(datetime.UTC))
        event.add("dtstart", appointment.start.astimezone(datetime.UTC))
        event.add("dtend", appointment.end.astimezone(datetime.UTC))
        event.add("summary", summary)
        event.add("location", location)
        event.add("status", ICAL_STATUS.get(status, "CONFIRMED"))
        event.add("transp", "TRANSPARENT" if status == AppointmentStatus.CANCELLED else "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()
