"""/fhir/: the R4 endpoints, then a 404 OperationOutcome for every other path under /fhir/."""

from django.urls import include, path, re_path

from fhir import operations, views
from fhir.api import not_found

ID = r"(?P<pk>[0-9]{1,18})"

r4 = [
    path("metadata", views.MetadataView.as_view(), name="fhir-metadata"),
    path("Practitioner", views.PractitionerView.as_view(), name="fhir-practitioner-search"),
    re_path(rf"^Practitioner/{ID}$", views.PractitionerView.as_view(), name="fhir-practitioner"),
    path("Schedule", views.ScheduleView.as_view(), name="fhir-schedule-search"),
    re_path(rf"^Schedule/{ID}$", views.ScheduleView.as_view(), name="fhir-schedule"),
    path("Slot", views.SlotView.as_view(), name="fhir-slot-search"),
    re_path(rf"^Slot/{ID}$", views.SlotView.as_view(), name="fhir-slot"),
    re_path(rf"^Patient/{ID}$", views.PatientView.as_view(), name="fhir-patient"),
    path("Appointment", views.AppointmentView.as_view(), name="fhir-appointment-search"),
    path("Appointment/$find", operations.FindView.as_view(), name="fhir-find"),
    path("Appointment/$hold", operations.HoldView.as_view(), name="fhir-hold"),
    path("Appointment/$book", operations.BookView.as_view(), name="fhir-book"),
    re_path(
        r"^Appointment/(?P<pk>(?:proposed-)?[0-9]{1,18})$", views.AppointmentView.as_view(), name="fhir-appointment"
    ),
]

urlpatterns = [
    path("R4/", include(r4)),
    re_path(r"", not_found),
]
