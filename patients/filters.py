import django_filters
from django.db.models import Q, QuerySet

from patients.models import Patient
from scheduler.filters import FilterSet


class PatientFilter(FilterSet):
    """Find a patient the way a receptionist does: part of the name or email, the phone, the birthday."""

    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of name or email")
    phone = django_filters.CharFilter(method="filter_phone", max_length=32, help_text="E.164, e.g. +14155550123")
    date_of_birth = django_filters.DateFilter(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD")

    class Meta:
        model = Patient
        fields = ["search", "phone", "date_of_birth"]

    def filter_search(self, queryset: QuerySet[Patient], name: str, value: str) -> QuerySet[Patient]:
        for word in value.split()[:5]:
            queryset = queryset.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word)
            )
        return queryset

    def filter_phone(self, queryset: QuerySet[Patient], name: str, value: str) -> QuerySet[Patient]:
        return queryset.filter(phone="".join(ch for ch in value if ch.isdigit() or ch == "+"))
