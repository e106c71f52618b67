import django_filters
from django.db.models import Q, QuerySet

from doctors.models import AvailabilityStatus, Department, Doctor, Slot, SlotStatus, Specialization
from scheduler.filters import AwareDateTimeFilter, BoundedWindowFilterSet, FilterSet, IdFilter


class DoctorFilter(FilterSet):
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
    """The slot search's parameters: validated and documented here, searched by ``selectors.search_slots``."""

    doctor = IdFilter(field_name="doctor_id")
    specialization = IdFilter(field_name="specialization_id")
    department = IdFilter(field_name="department_id")
    status = django_filters.ChoiceFilter(choices=SlotStatus.choices)
    start_after = AwareDateTimeFilter(
        field_name="start", lookup_expr="gte", help_text="Slots starting at or after (default: now)"
    )
    start_before = AwareDateTimeFilter(
        field_name="start",
        lookup_expr="lt",
        help_text="Slots starting before (default: start_after + 366 days with a doctor, specialization or "
        "department filter, else + 31 days; at most 366 days after start_after, or after now without it)",
    )

    class Meta:
        model = Slot
        fields = ["doctor", "specialization", "department", "status", "start_after", "start_before"]

    starts_now_by_default = True  # as SlotSearch.window

    def filter_queryset(self, queryset):
        raise NotImplementedError("SlotFilter only validates; search with doctors.selectors.search_slots.")
