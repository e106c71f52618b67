import datetime

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

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
        "department filter, else + 31 days; at most 366 days after start_after)",
    )

    class Meta:
        model = Slot
        fields = ["doctor", "specialization", "department", "status", "start_after", "start_before"]

    # Without a window a search would count millions of rows: it starts now, and ends a year later for
    # one doctor, specialization or department, a month later across the whole clinic.
    NARROWED_WINDOW = datetime.timedelta(days=366)
    CLINIC_WIDE_WINDOW = datetime.timedelta(days=31)

    def filter_queryset(self, queryset: QuerySet[Slot]) -> QuerySet[Slot]:
        data = self.form.cleaned_data
        after = data.get("start_after")
        if after is None:
            after = timezone.now()
            queryset = queryset.filter(start__gte=after)
        if data.get("start_before") is None:
            narrowed = any(data.get(name) for name in ("doctor", "specialization", "department"))
            queryset = queryset.filter(
                start__lt=after + (self.NARROWED_WINDOW if narrowed else self.CLINIC_WIDE_WINDOW)
            )
        return super().filter_queryset(queryset)
