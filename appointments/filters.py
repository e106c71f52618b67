import django_filters

from appointments.models import Appointment, AppointmentStatus
from scheduler.filters import AwareDateTimeFilter, BoundedWindowFilterSet, IdFilter


class AppointmentFilter(BoundedWindowFilterSet):
    status = django_filters.ChoiceFilter(choices=AppointmentStatus.choices)
    start_after = AwareDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = AwareDateTimeFilter(field_name="start", lookup_expr="lt")
    doctor = IdFilter(field_name="doctor_id")
    patient = IdFilter(field_name="patient_id")

    class Meta:
        model = Appointment
        fields = ["status", "start_after", "start_before", "doctor", "patient"]
