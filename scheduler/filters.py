"""Shared query-parameter filters."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from scheduler.api import ID_BOUNDS, check_aware


class AwareDateTimeFormField(forms.DateTimeField):
    """Accepts only ISO 8601 datetimes with a UTC offset."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = None if "\x00" in str(value) else parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError("Enter an ISO 8601 datetime, e.g. 2027-03-01T09:00:00+00:00.", code="invalid")
        return check_aware(parsed)


class AwareDateTimeFilter(django_filters.Filter):
    field_class = AwareDateTimeFormField


class IdFilter(django_filters.Filter):
    """A positive integer id (``?doctor=1.7`` is a 400, not silently 1)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**ID_BOUNDS, **kwargs})


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, building its form class once per FilterSet class instead of per request.

    django-filter builds a new form class (a field and a label for every filter) on every request: a
    sixth of a slot search's time. Our filters' fields depend on nothing but the class, so the class is
    kept. A FilterSet whose filters change per request must override ``get_form_class`` again.
    """

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class


class BoundedWindowFilterSet(FilterSet):
    """A FilterSet whose ``start_after``/``start_before`` window is ordered and at most a year long.

    Pagination already caps the rows a page returns; the window cap keeps the count and the scan behind
    a page bounded too.
    """

    MAX_WINDOW = datetime.timedelta(days=366)
    window = ("start_after", "start_before")

    # True where a missing start_after means "from now" (the slot search); else the window is open.
    starts_now_by_default = False
    # "From now" is the server's clock: a client whose clock runs ahead may still ask for a year.
    CLOCK_GRACE = datetime.timedelta(days=1)

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        after, before = (self.form.cleaned_data.get(name) for name in self.window)
        if after and before:
            if before <= after:
                self.form.add_error(self.window[1], f"Must be later than {self.window[0]}.")
            elif before - after > self.MAX_WINDOW:
                self.form.add_error(self.window[1], "The window may span at most 366 days.")
        elif before and self.starts_now_by_default and before - timezone.now() > self.MAX_WINDOW + self.CLOCK_GRACE:
            message = f"The window may span at most 366 days (without {self.window[0]} it starts now)."
            self.form.add_error(self.window[1], message)
        return self.form.is_valid()
