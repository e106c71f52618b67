from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsDoctor
from records import apidocs, selectors, services
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


@apidocs.RECORDS
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

    def create(self, request):
        data = MedicalRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        record = services.create_record(
            appointment_id=params.pop("appointment"), by=request.user, ip=client_ip(request), **params
        )
        return Response(MedicalRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        record = self.get_object()
        data = MedicalRecordUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        record = services.update_record(record=record, by=request.user, ip=client_ip(request), **data.validated_data)
        return Response(MedicalRecordSerializer(record).data)

    @action(detail=True, methods=["get"], filterset_class=None)
    def history(self, request, pk=None):
        record = self.get_object()
        self._audit([record], RecordAccessLog.Action.HISTORY)
        page = self.paginate_queryset(selectors.record_versions(record=record))
        return self.get_paginated_response(MedicalRecordVersionSerializer(page, many=True).data)


@apidocs.ACCESS_LOG
class RecordAccessLogViewSet(mixins.ListModelMixin, GenericViewSet):
    """The append-only audit trail of medical record access."""

    serializer_class = RecordAccessLogSerializer
    queryset = RecordAccessLog.objects.none()
    filterset_class = RecordAccessLogFilter
    permission_classes = [IsAdmin]

    def get_queryset(self):
        return selectors.access_log()
