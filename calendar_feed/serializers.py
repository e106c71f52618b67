from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers


@extend_schema_serializer(
    examples=[OpenApiExample("Feed URL", value={"url": "https://clinic.example/calendar/3q2-…-Xw.ics"})]
)
class CalendarTokenSerializer(serializers.Serializer):
    url = serializers.URLField(read_only=True, help_text="The secret feed URL; shown once, keep it private")
