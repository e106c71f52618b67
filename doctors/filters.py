import django_filters
from django.db.models import Q, QuerySet

from doctors.models import AvailabilityStatus, Department, Doctor, Slot, SlotStatus, Specialization
from scheduler.filters import AwareDateTimeFilter, BoundedWindowFilterSet, IdFilter


class DoctorFilter(django_filters.FilterSet):
    specialization = django_filters.ModelChoiceFilter(queryset=Specialization.objects.all())
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all())
    availability_status = django_filters.ChoiceFilter(choices=AvailabilityStatus.choices)
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of the name")

    class Meta:
        model = Doctor
        fields = ["specialization", "department", "availability_status", "search"]

    def filter_search(self, queryset: QuerySet[Doctor], name: str, value: str) -> QuerySet[Doctor]:
        for word in value.split()[:5]:
            queryset = queryset.filter(Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word))
        return queryset


class SlotFilter(BoundedWindowFilterSet):
    doctor = IdFilter(field_name="doctor_id")
    specialization = IdFilter(field_name="specialization_id")
    department = IdFilter(field_name="department_id")
    status = django_filters.ChoiceFilter(choices=SlotStatus.choices)
    start_after = AwareDateTimeFilter(field_name="start", lookup_expr="gte", help_text="Slots starting at or after")
    start_before = AwareDateTimeFilter(field_name="start", lookup_expr="lt", help_text="Slots starting before")

    class Meta:
        model = Slot
        fields = ["doctor", "specialization", "department", "status", "start_after", "start_before"]
