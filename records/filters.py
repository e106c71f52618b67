import django_filters

from records.models import MedicalRecord, RecordAccessLog
from scheduler.filters import AwareDateTimeFilter, BoundedWindowFilterSet, FilterSet, IdFilter


class MedicalRecordFilter(FilterSet):
    patient = IdFilter(field_name="patient_id")
    doctor = IdFilter(field_name="doctor_id")
    appointment = IdFilter(field_name="appointment_id")

    class Meta:
        model = MedicalRecord
        fields = ["patient", "doctor", "appointment"]


class RecordAccessLogFilter(BoundedWindowFilterSet):
    window = ("after", "before")

    record = IdFilter(field_name="record_id")
    user = IdFilter(field_name="user_id")
    action = django_filters.ChoiceFilter(choices=RecordAccessLog.Action.choices)
    after = AwareDateTimeFilter(field_name="at", lookup_expr="gte")
    before = AwareDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = RecordAccessLog
        fields = ["record", "user", "action", "after", "before"]
