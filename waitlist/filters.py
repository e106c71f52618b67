import django_filters

from waitlist.models import EntryStatus, WaitlistEntry


class WaitlistEntryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)

    class Meta:
        model = WaitlistEntry
        fields = ["status"]
