from django.urls import path
from rest_framework.routers import SimpleRouter

from appointments.views import AppointmentViewSet, BookingPolicyViewSet

router = SimpleRouter()
router.register("appointments", AppointmentViewSet, basename="appointment")

urlpatterns = [
    *router.urls,
    path(
        "booking-policy/",
        BookingPolicyViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="booking-policy",
    ),
]
