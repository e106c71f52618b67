from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsDoctor, IsPatient
from patients import apidocs, selectors, services
from patients.filters import PatientFilter
from patients.models import Patient, PatientAccessLog
from patients.serializers import PatientRegisterSerializer, PatientSerializer, PatientUpdateSerializer
from scheduler.api import GenericViewSet, TokenFreeView
from scheduler.net import client_ip


@apidocs.REGISTER
class RegisterView(TokenFreeView):
    """Register as a patient: creates the account and the patient profile together."""

    throttle_scope = "register"

    def post(self, request):
        data = PatientRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = services.register_patient(**data.validated_data)
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


@apidocs.PATIENTS
class PatientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Patient profiles, scoped to what the caller may see."""

    serializer_class = PatientSerializer
    queryset = Patient.objects.none()  # for the schema generator; requests use get_queryset
    filterset_class = PatientFilter
    http_method_names = ["get", "patch", "head", "options"]
    permission_classes_by_action = {"list": [IsAdmin | IsDoctor]}

    def get_queryset(self):
        return selectors.patients_visible_to(self.request.user)

    def get_object(self):
        return selectors.get_patient_for(user=self.request.user, patient_id=self.kwargs["pk"])

    def _audit(self, patients, action_name: str) -> None:
        """Profiles carry insurance details (PHI): every read is audited, as record reads are."""
        ip = client_ip(self.request)
        services.log_profile_access(user=self.request.user, patients=patients, action=action_name, ip=ip)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._audit(page, PatientAccessLog.Action.LIST)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        patient = self.get_object()
        self._audit([patient], PatientAccessLog.Action.READ)
        return Response(self.get_serializer(patient).data)

    def partial_update(self, request, pk=None):
        return self._update(request, self.get_object())

    @action(detail=False, methods=["get", "patch"], permission_classes=[IsPatient])
    def me(self, request):
        patient = selectors.get_own_patient(user=request.user)
        if request.method == "PATCH":
            return self._update(request, patient)
        self._audit([patient], PatientAccessLog.Action.READ)
        return Response(PatientSerializer(patient).data)

    @staticmethod
    def _update(request, patient):
        data = PatientUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        patient = services.update_patient(patient=patient, by=request.user, **data.validated_data)
        return Response(PatientSerializer(patient).data)
