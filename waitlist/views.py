from rest_framework import mixins, status
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsPatient
from patients import selectors as patient_selectors
from scheduler.api import GenericViewSet
from scheduler.exceptions import ApplicationError, NotFound
from waitlist import apidocs, selectors, services
from waitlist.filters import WaitlistEntryFilter
from waitlist.models import WaitlistEntry
from waitlist.serializers import WaitlistEntrySerializer, WaitlistJoinSerializer


@apidocs.WAITLIST
class WaitlistViewSet(mixins.ListModelMixin, GenericViewSet):
    """The waitlist: patients wait for a freed slot of a doctor or a specialization."""

    serializer_class = WaitlistEntrySerializer
    queryset = WaitlistEntry.objects.none()  # for the schema generator; requests use get_queryset
    filterset_class = WaitlistEntryFilter
    permission_classes = [IsPatient | IsAdmin]

    def get_queryset(self):
        return selectors.entries_visible_to(self.request.user)

    def create(self, request):
        data = WaitlistJoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        entry = services.join_waitlist(
            patient=self._patient_for(request, params.get("patient")),
            by=request.user,
            doctor_id=params.get("doctor"),
            specialization_id=params.get("specialization"),
            start_after=params["start_after"],
            start_before=params["start_before"],
        )
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        entry = selectors.get_entry_for(user=request.user, entry_id=pk)
        services.leave_waitlist(entry=entry, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def _patient_for(request, patient_id):
        """An admin names the patient; a patient joins for themselves."""
        if request.user.is_admin:
            if patient_id is None:
                raise ApplicationError(
                    "An admin must say which patient joins.",
                    code="required",
                    extra={"patient": ["This field is required for admins."]},
                )
            return patient_selectors.get_patient_for(user=request.user, patient_id=patient_id)
        if patient_id is not None:
            raise ApplicationError(
                "Patients join for themselves.", code="invalid", extra={"patient": ["Only admins may set this field."]}
            )
        patient = getattr(request.user, "patient_profile", None)
        if patient is None:
            raise NotFound("You have no patient profile.")
        return patient
