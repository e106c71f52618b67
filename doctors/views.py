from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsAdmin, IsDoctor
from doctors import selectors, services
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

NOT_FOUND = OpenApiResponse(description="No such doctor")
ADMINS_ONLY = OpenApiResponse(description="Only admins may do this")


class _NamedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    create_service = None
    permission_classes_by_action = {"create": [IsAdmin]}

    def create(self, request):
        data = NameCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = type(self).create_service(**data.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["doctors"])
@extend_schema_view(
    list=extend_schema(summary="List departments"),
    retrieve=extend_schema(summary="Get a department"),
    create=extend_schema(
        summary="Create a department (admin)",
        request=NameCreateSerializer,
        responses={201: DepartmentSerializer, 403: ADMINS_ONLY},
    ),
)
class DepartmentViewSet(_NamedViewSet):
    """Hospital departments."""

    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    create_service = staticmethod(services.create_department)


@extend_schema(tags=["doctors"])
@extend_schema_view(
    list=extend_schema(summary="List specializations"),
    retrieve=extend_schema(summary="Get a specialization"),
    create=extend_schema(
        summary="Create a specialization (admin)",
        request=NameCreateSerializer,
        responses={201: SpecializationSerializer, 403: ADMINS_ONLY},
    ),
)
class SpecializationViewSet(_NamedViewSet):
    """Medical specializations."""

    queryset = Specialization.objects.all()
    serializer_class = SpecializationSerializer
    create_service = staticmethod(services.create_specialization)


@extend_schema(tags=["doctors"])
@extend_schema_view(
    list=extend_schema(summary="Find doctors", description="Filter by specialization, department, status, name."),
    retrieve=extend_schema(summary="Get a doctor", responses={200: DoctorSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Create a doctor (admin)",
        request=DoctorCreateSerializer,
        responses={
            201: DoctorSerializer,
            400: OpenApiResponse(description="Invalid field or email taken"),
            403: ADMINS_ONLY,
        },
    ),
    partial_update=extend_schema(
        summary="Update a doctor",
        description="The doctor edits their name, phone, bio and status; an admin edits everything.",
        request=DoctorUpdateSerializer,
        responses={200: DoctorSerializer, 403: OpenApiResponse(description="Not yours, or an admin-only field")},
    ),
)
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

    @extend_schema(
        summary="My doctor profile",
        description="The signed-in doctor's own profile.",
        responses={200: DoctorSerializer, 403: OpenApiResponse(description="Only doctors have a doctor profile")},
    )
    @action(detail=False, methods=["get"], permission_classes=[IsDoctor])
    def me(self, request):
        return Response(DoctorSerializer(selectors.get_own_doctor(user=request.user)).data)

    @extend_schema(
        summary="Publish working hours as 1-hour slots",
        description=(
            "Split `start`..`end` into consecutive 1-hour slots (a remainder under an hour is reported in "
            "`unused_minutes`). With `repeat_weekly_until`, the same local hours repeat every week up to "
            "that date, in `time_zone` (default: the clinic's). All slots or none: any overlap with an "
            "existing slot of this doctor is a 409 `slot_overlap` listing the conflicts."
        ),
        request=AvailabilitySerializer,
        examples=[
            OpenApiExample(
                "Monday morning",
                request_only=True,
                value={"start": "2027-03-01T08:00:00+01:00", "end": "2027-03-01T12:30:00+01:00"},
            ),
            OpenApiExample(
                "Every Monday until June",
                request_only=True,
                value={
                    "start": "2027-03-01T08:00:00+01:00",
                    "end": "2027-03-01T12:00:00+01:00",
                    "repeat_weekly_until": "2027-06-28",
                    "time_zone": "Europe/Berlin",
                },
            ),
            OpenApiExample(
                "Overlap",
                status_codes=["409"],
                response_only=True,
                value={
                    "detail": "The period overlaps existing slots of this doctor.",
                    "code": "slot_overlap",
                    "conflicts": [
                        {
                            "id": 17,
                            "start": "2027-03-01T08:00:00+00:00",
                            "end": "2027-03-01T09:00:00+00:00",
                            "status": "free",
                        }
                    ],
                },
            ),
        ],  # fmt: skip
        responses={
            201: AvailabilityResultSerializer,
            400: OpenApiResponse(description="Naive datetime, end <= start, under an hour, too long, too many"),
            403: OpenApiResponse(description="Not this doctor and not an admin"),
            404: NOT_FOUND,
            409: OpenApiResponse(description="`slot_overlap`: overlaps existing slots (listed in `conflicts`)"),
        },
    )
    @action(detail=True, methods=["post"])
    def availability(self, request, pk=None):
        doctor = self.get_object()
        data = AvailabilitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        published = services.publish_availability(doctor=doctor, by=request.user, **data.validated_data)
        body = {"slots": published.slots, "unused_minutes": int(published.unused.total_seconds() // 60)}
        return Response(AvailabilityResultSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["slots"])
@extend_schema_view(
    list=extend_schema(
        summary="Find slots",
        description="Earliest first. Filter by doctor, specialization, department, status and start window.",
    ),
    retrieve=extend_schema(summary="Get a slot", responses={200: SlotSerializer, 404: OpenApiResponse()}),
    destroy=extend_schema(
        summary="Delete a free slot",
        responses={
            204: None,
            403: OpenApiResponse(description="Not the slot's doctor and not an admin"),
            404: OpenApiResponse(description="No such slot"),
            409: OpenApiResponse(description="`slot_unavailable`: the slot is booked"),
        },
    ),
)
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
