import django_filters

from records.models import MedicalRecord, RecordAccessLog
from scheduler.filters import AwareDateTimeFilter

ID = {"min_value": 1, "max_value": 2**63 - 1}


class MedicalRecordFilter(django_filters.FilterSet):
    patient = django_filters.NumberFilter(field_name="patient_id", **ID)
    doctor = django_filters.NumberFilter(field_name="doctor_id", **ID)
    appointment = django_filters.NumberFilter(field_name="appointment_id", **ID)

    class Meta:
        model = MedicalRecord
        fields = ["patient", "doctor", "appointment"]


class RecordAccessLogFilter(django_filters.FilterSet):
    record = django_filters.NumberFilter(field_name="record_id", **ID)
    user = django_filters.NumberFilter(field_name="user_id", **ID)
    action = django_filters.ChoiceFilter(choices=RecordAccessLog.Action.choices)
    after = AwareDateTimeFilter(field_name="at", lookup_expr="gte")
    before = AwareDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = RecordAccessLog
        fields = ["record", "user", "action", "after", "before"]
