from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from calendar_feed.views import feed as calendar_feed
from patients.views import RegisterView
from scheduler.metrics_http import metrics_view
from scheduler.views import api_not_found, healthz, readyz

api_patterns = [
    path("auth/register/", RegisterView.as_view(), name="register"),
    path("auth/", include("accounts.urls")),
    path("", include("patients.urls")),
    path("", include("doctors.urls")),
    path("", include("appointments.urls")),
    path("", include("records.urls")),
    path("", include("notifications.urls")),
    path("", include("waitlist.urls")),
    path("", include("calendar_feed.urls")),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="redoc_offline.html"), name="redoc"),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("fhir/", include("fhir.urls")),  # its own catch-all answers an OperationOutcome 404
    path("readyz/", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Last: whatever else is under /api/ is a JSON 404, in any DEBUG mode. Only paths ending
    # in "/" match, so a missing trailing slash still gets APPEND_SLASH's redirect first.
    re_path(r"^api/(?:.*/)?$", api_not_found),
]

handler500 = "scheduler.views.server_error"
handler400 = "scheduler.views.bad_request"
