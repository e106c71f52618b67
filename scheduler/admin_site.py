"""The Django admin as clinic staff meet it: a dashboard of today's appointments and doctors' statuses."""

import datetime
import logging
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

DASHBOARD_ROWS = 50

logger = logging.getLogger(__name__)


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

    @cached_property
    def login_form(self):
        """Django's admin sign-in form, refusing an impossible username as a failed sign-in, unqueried."""
        from django.contrib.admin.forms import AdminAuthenticationForm  # imports the user model

        from accounts import services

        class ClinicAuthenticationForm(AdminAuthenticationForm):
            def clean(self):
                if (
                    services.login_username(None, {"username": self.data.get("username")})
                    == services.MALFORMED_USERNAME
                ):
                    raise self.get_invalid_login_error()
                return super().clean()

        return ClinicAuthenticationForm

    # As on AdminSite.login; csrf_protect here too so that only POSTs that pass the CSRF check are
    # counted below (a hostile page must not spend a visitor's quota), with or without the middleware.
    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's admin login behind the API sign-in's defences (DesignDecisions.md, Brute force).

        The per-address ``login`` rate (shared with the API), the account-wide limit for clients
        without a device cookie, and axes' (account, address) lockout all answer 429; a success clears
        the address's failures and leaves a device cookie, as the API sign-in does.
        """
        from accounts import devices, services
        from scheduler.exceptions import TooManyRequests

        if request.method != "POST":
            return super().login(request, extra_context)
        email = request.POST.get("username", "")
        if services.login_username(request, {"username": email}) == services.MALFORMED_USERNAME:
            return super().login(request, extra_context)  # the form refuses it; nothing to count or look up
        try:
            self._throttle_login(request)
            services.refuse_if_under_attack(request=request, email=email)
            response = super().login(request, extra_context)
            services.raise_if_locked_out(request)
        except TooManyRequests as exc:
            context = {**self.each_context(request), "title": "Too many attempts", "detail": exc.detail}
            refused = TemplateResponse(request, "admin/login_refused.html", context, status=429)
            refused["Retry-After"] = str(exc.retry_after)
            return refused
        if request.user.is_authenticated and response.status_code == 302:
            services.forget_failures(request=request, email=email)
            devices.remember(response, email=request.user.email)
        return response

    @staticmethod
    def _throttle_login(request) -> None:
        """The per-address ``login`` rate; open while the cache is down (axes' lockout, in the database, holds)."""
        from scheduler.exceptions import TooManyRequests
        from scheduler.throttles import AddressRateThrottle

        throttle = AddressRateThrottle()  # open while its cache fails (axes' lockout, in the database, holds)
        if not throttle.allow_request(request, SimpleNamespace(throttle_scope="login")):
            raise TooManyRequests("Too many sign-in attempts from this address.", retry_after=int(throttle.wait() or 1))

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
