import django_filters

from appointments.models import Appointment, AppointmentStatus
from scheduler.filters import AwareDateTimeFilter, BoundedWindowFilterSet, IdFilter


class AppointmentFilter(BoundedWindowFilterSet):
    # The status as it reads now: an expired hold is listed as cancelled, never as pending.
    status = django_filters.ChoiceFilter(choices=AppointmentStatus.choices, method="filter_status")
    start_after = AwareDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = AwareDateTimeFilter(field_name="start", lookup_expr="lt")
    doctor = IdFilter(field_name="doctor_id")
    patient = IdFilter(field_name="patient_id")

    class Meta:
        model = Appointment
        fields = ["status", "start_after", "start_before", "doctor", "patient"]

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value)
