import django_filters

from appointments.models import Appointment, AppointmentStatus
from scheduler.filters import AwareDateTimeFilter

ID = {"min_value": 1, "max_value": 2**63 - 1}


class AppointmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AppointmentStatus.choices)
    start_after = AwareDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = AwareDateTimeFilter(field_name="start", lookup_expr="lt")
    doctor = django_filters.NumberFilter(field_name="doctor_id", **ID)
    patient = django_filters.NumberFilter(field_name="patient_id", **ID)

    class Meta:
        model = Appointment
        fields = ["status", "start_after", "start_before", "doctor", "patient"]
