from rest_framework import serializers

from notifications.models import Notification

NOTIFICATION_EXAMPLE = {
    "id": 12,
    "kind": "booking_confirmed",
    "appointment": 42,
    "status": "sent",
    "created_at": "2027-03-01T08:00:00+00:00",
    "sent_at": "2027-03-01T08:00:02+00:00",
}


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "appointment", "status", "created_at", "sent_at"]
        read_only_fields = fields
