from django_filters.utils import translate_validation
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsDoctor
from doctors import apidocs, selectors, services
from doctors.filters import DoctorFilter, SlotFilter
from doctors.models import Department, Slot, Specialization
from doctors.serializers import (
    AvailabilityResultSerializer,
    AvailabilitySerializer,
    DepartmentSerializer,
    DoctorCreateSerializer,
    DoctorSerializer,
    DoctorUpdateSerializer,
    NameCreateSerializer,
    SlotSerializer,
    SpecializationSerializer,
)
from scheduler.api import GenericViewSet


class _NamedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    create_service = None
    permission_classes_by_action = {"create": [IsAdmin]}

    def create(self, request):
        data = NameCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = type(self).create_service(**data.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


@apidocs.DEPARTMENTS
class DepartmentViewSet(_NamedViewSet):
    """Hospital departments."""

    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    create_service = staticmethod(services.create_department)


@apidocs.SPECIALIZATIONS
class SpecializationViewSet(_NamedViewSet):
    """Medical specializations."""

    queryset = Specialization.objects.all()
    serializer_class = SpecializationSerializer
    create_service = staticmethod(services.create_specialization)


@apidocs.DOCTORS
class DoctorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Doctors' profiles: readable by every signed-in user."""

    serializer_class = DoctorSerializer
    filterset_class = DoctorFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes_by_action = {"create": [IsAdmin]}

    def get_queryset(self):
        return selectors.doctor_list()

    def get_object(self):
        return selectors.get_doctor(doctor_id=self.kwargs["pk"])

    def create(self, request):
        data = DoctorCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        doctor = services.create_doctor(**data.validated_data)
        return Response(DoctorSerializer(doctor).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        doctor = self.get_object()
        data = DoctorUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        doctor = services.update_doctor(doctor=doctor, by=request.user, **data.validated_data)
        return Response(DoctorSerializer(doctor).data)

    @action(detail=False, methods=["get"], permission_classes=[IsDoctor])
    def me(self, request):
        return Response(DoctorSerializer(selectors.get_own_doctor(user=request.user)).data)

    @action(detail=True, methods=["post"])
    def availability(self, request, pk=None):
        doctor = self.get_object()
        data = AvailabilitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        published = services.publish_availability(doctor=doctor, by=request.user, **data.validated_data)
        body = {"slots": published.slots, "unused_minutes": int(published.unused.total_seconds() // 60)}
        return Response(AvailabilityResultSerializer(body).data, status=status.HTTP_201_CREATED)


@apidocs.SLOTS
class SlotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Bookable 1-hour slots, readable by every signed-in user."""

    serializer_class = SlotSerializer
    filterset_class = SlotFilter

    def get_queryset(self):
        return selectors.slot_list()

    def list(self, request):
        # SlotFilter validates and documents the parameters; the search itself is one statement.
        filterset = SlotFilter(request.query_params, queryset=Slot.objects.none(), request=request)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        given = {name: value for name, value in filterset.form.cleaned_data.items() if value not in (None, "")}
        search = selectors.SlotSearch(**given)
        slots = self.paginator.paginate_fetch(
            lambda limit, offset: selectors.search_slots(search, limit=limit, offset=offset), request
        )
        return self.get_paginated_response(SlotSerializer(slots, many=True).data)

    def get_object(self):
        return selectors.get_slot(slot_id=self.kwargs["pk"])

    def destroy(self, request, pk=None):
        services.delete_slot(slot_id=int(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
