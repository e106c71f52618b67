import django_filters
from django.db.models import Q, QuerySet

from doctors.models import AvailabilityStatus, Department, Doctor, Specialization


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
