"""The Django admin as clinic staff meet it: a dashboard of today's appointments and doctors' statuses."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.db.models import Count
from django.utils import timezone

DASHBOARD_ROWS = 50


class HistoryInline(admin.TabularInline):
    """Rows of a history (events, versions): shown on their parent's page, never added, changed or deleted."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic Scheduler"
    site_title = "Clinic Scheduler admin"
    index_title = "Clinic dashboard"
    index_template = "admin/clinic_index.html"

    def index(self, request, extra_context=None):
        from appointments.models import Appointment, AppointmentStatus
        from doctors.models import AvailabilityStatus, Doctor

        tz = ZoneInfo(settings.CLINIC_TIME_ZONE)
        today = timezone.now().astimezone(tz).date()
        day_start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
        todays = (
            Appointment.objects.filter(start__gte=day_start, start__lt=day_start + datetime.timedelta(days=1))
            .exclude(status=AppointmentStatus.CANCELLED)
            .select_related("patient__user", "doctor__user")
            .order_by("start")
        )
        statuses = dict(Doctor.objects.values_list("availability_status").annotate(n=Count("id")))
        occupied = Doctor.objects.filter(availability_status=AvailabilityStatus.OCCUPIED).select_related("user")
        context = {
            "clinic_today": today,
            "clinic_time_zone": settings.CLINIC_TIME_ZONE,
            "todays_appointments": todays[:DASHBOARD_ROWS],
            "todays_count": todays.count(),
            "doctors_available": statuses.get(AvailabilityStatus.AVAILABLE, 0),
            "doctors_occupied": statuses.get(AvailabilityStatus.OCCUPIED, 0),
            "occupied_doctors": occupied[:DASHBOARD_ROWS],
        }
        return super().index(request, {**context, **(extra_context or {})})
