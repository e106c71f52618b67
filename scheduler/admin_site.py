"""The Django admin as clinic staff meet it: a dashboard of today's appointments and doctors' statuses."""

import datetime
import logging
from functools import wraps
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
ARRIVALS_PER_DOCTOR = 3

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

    def admin_view(self, view, cacheable=False):
        """Every admin page reads and takes times in the clinic's time zone (``CLINIC_TIME_ZONE``).

        The zone stays active while the page renders (a TemplateResponse renders after the view returns),
        so lists show local times and a form's naive local input becomes the right UTC instant.
        """
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def in_clinic_time(request, *args, **kwargs):
            with timezone.override(settings.CLINIC_TIME_ZONE):
                response = inner(request, *args, **kwargs)
                if callable(getattr(response, "render", None)):
                    response = response.render()
                return response

        return in_clinic_time

    def each_context(self, request):
        return {**super().each_context(request), "clinic_time_zone": settings.CLINIC_TIME_ZONE}

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
        """Today in the clinic: who has checked in, the next arrivals per doctor, the doctors' statuses.

        Holds are not arrivals (a live one is no booking yet, an expired one reads cancelled): the lists
        filter by the status as it reads now. A fixed number of queries, however many doctors and visits.
        """
        from django.db.models import F, Window
        from django.db.models.functions import RowNumber

        from appointments.models import NOT_A_VISIT, Appointment, AppointmentStatus
        from doctors.models import AvailabilityStatus, Doctor

        now = timezone.now()
        tz = ZoneInfo(settings.CLINIC_TIME_ZONE)
        today = now.astimezone(tz).date()
        day_start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
        day_end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        todays = Appointment.objects.filter(start__gte=day_start, start__lt=day_end)
        checked_in = (
            todays.with_status(AppointmentStatus.CHECKED_IN, now=now)
            .select_related("patient__user", "doctor__user")
            .order_by("start", "pk")
        )
        # The next few scheduled visits of each doctor that are not over, numbered per doctor in SQL.
        arrivals = (
            todays.with_status(AppointmentStatus.SCHEDULED, now=now)
            .filter(end__gt=now)
            .annotate(nth=Window(RowNumber(), partition_by=[F("doctor_id")], order_by=[F("start"), F("pk")]))
            .filter(nth__lte=ARRIVALS_PER_DOCTOR)
            .select_related("patient__user", "doctor__user")
            .order_by("doctor__user__last_name", "doctor_id", "start")
        )
        arrivals_by_doctor: dict[int, SimpleNamespace] = {}
        for appointment in arrivals[: DASHBOARD_ROWS * ARRIVALS_PER_DOCTOR]:
            row = arrivals_by_doctor.setdefault(
                appointment.doctor_id, SimpleNamespace(doctor=appointment.doctor, appointments=[])
            )
            row.appointments.append(appointment)
        visits = todays.with_effective_status(now=now).exclude(status_now__in=NOT_A_VISIT)
        statuses = dict(Doctor.objects.values_list("availability_status").annotate(n=Count("id")))
        occupied = Doctor.objects.filter(availability_status=AvailabilityStatus.OCCUPIED).select_related("user")
        context = {
            "clinic_today": today,
            "checked_in": checked_in[:DASHBOARD_ROWS],
            "arrivals_by_doctor": list(arrivals_by_doctor.values()),
            "todays_count": visits.count(),
            "doctors_available": statuses.get(AvailabilityStatus.AVAILABLE, 0),
            "doctors_occupied": statuses.get(AvailabilityStatus.OCCUPIED, 0),
            "occupied_doctors": occupied[:DASHBOARD_ROWS],
        }
        return super().index(request, {**context, **(extra_context or {})})
