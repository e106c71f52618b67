from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsDoctor
from records import selectors, services
from records.filters import MedicalRecordFilter, RecordAccessLogFilter
from records.models import MedicalRecord, RecordAccessLog
from records.serializers import (
    MedicalRecordCreateSerializer,
    MedicalRecordSerializer,
    MedicalRecordUpdateSerializer,
    MedicalRecordVersionSerializer,
    RecordAccessLogSerializer,
)
from scheduler.api import GenericViewSet
from scheduler.net import client_ip

NOT_FOUND = OpenApiResponse(description="No such record, or not visible to you")


@extend_schema(tags=["records"])
@extend_schema_view(
    list=extend_schema(
        summary="List medical records",
        description="Newest first. Patients: their own; doctors: their patients'; admins: all. Every record "
        "returned is recorded in the audit trail.",
    ),
    retrieve=extend_schema(summary="Read a medical record", responses={200: MedicalRecordSerializer, 404: NOT_FOUND}),
)
class MedicalRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Medical records: written by the appointment's doctor, every version kept, every access audited."""

    serializer_class = MedicalRecordSerializer
    queryset = MedicalRecord.objects.none()  # for the schema generator; requests use get_queryset
    filterset_class = MedicalRecordFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes_by_action = {"create": [IsDoctor]}

    def get_queryset(self):
        return selectors.records_visible_to(self.request.user)

    def get_object(self):
        return selectors.get_record_for(user=self.request.user, record_id=self.kwargs["pk"])

    def _audit(self, records, action_name: str) -> None:
        services.log_access(user=self.request.user, records=records, action=action_name, ip=client_ip(self.request))

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._audit(page, RecordAccessLog.Action.LIST)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        record = self.get_object()
        self._audit([record], RecordAccessLog.Action.READ)
        return Response(self.get_serializer(record).data)

    @extend_schema(
        summary="Write the record of an appointment",
        description="Only the doctor of that appointment, once per appointment, not for a cancelled one.",
        request=MedicalRecordCreateSerializer,
        examples=[
            OpenApiExample(
                "After the visit",
                request_only=True,
                value={
                    "appointment": 311,
                    "diagnosis": "Acute bronchitis",
                    "prescription": "Rest, fluids",
                    "notes": "Review in one week if not better.",
                },
            ),
        ],  # fmt: skip
        responses={
            201: MedicalRecordSerializer,
            400: OpenApiResponse(description="Invalid body, unknown or cancelled appointment"),
            403: OpenApiResponse(description="Not a doctor, or not this appointment's doctor"),
            409: OpenApiResponse(description="`record_exists`: the appointment already has a record"),
        },
    )
    def create(self, request):
        data = MedicalRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        record = services.create_record(
            appointment_id=params.pop("appointment"), by=request.user, ip=client_ip(request), **params
        )
        return Response(MedicalRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Amend a medical record",
        description="Only its author. The previous state stays readable in the history.",
        request=MedicalRecordUpdateSerializer,
        responses={200: MedicalRecordSerializer, 403: OpenApiResponse(description="Not the author"), 404: NOT_FOUND},
    )
    def partial_update(self, request, pk=None):
        record = self.get_object()
        data = MedicalRecordUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        record = services.update_record(record=record, by=request.user, ip=client_ip(request), **data.validated_data)
        return Response(MedicalRecordSerializer(record).data)

    @extend_schema(
        summary="A record's versions",
        description="Every saved state of the record, newest first.",
        responses={200: MedicalRecordVersionSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def history(self, request, pk=None):
        record = self.get_object()
        self._audit([record], RecordAccessLog.Action.HISTORY)
        page = self.paginate_queryset(selectors.record_versions(record=record))
        return self.get_paginated_response(MedicalRecordVersionSerializer(page, many=True).data)


@extend_schema(tags=["records"])
@extend_schema_view(
    list=extend_schema(
        summary="Audit trail of record access (admins)",
        description="Who created, changed or read which record, when and from which address. Read-only.",
        responses={200: RecordAccessLogSerializer(many=True), 403: OpenApiResponse(description="Admins only")},
    )
)
class RecordAccessLogViewSet(mixins.ListModelMixin, GenericViewSet):
    """The append-only audit trail of medical record access."""

    serializer_class = RecordAccessLogSerializer
    queryset = RecordAccessLog.objects.none()
    filterset_class = RecordAccessLogFilter
    permission_classes = [IsAdmin]

    def get_queryset(self):
        return selectors.access_log()
