from rest_framework import mixins

from notifications import apidocs, selectors
from notifications.filters import NotificationFilter
from notifications.models import Notification
from notifications.serializers import NotificationSerializer
from scheduler.api import GenericViewSet


@apidocs.NOTIFICATIONS
class NotificationViewSet(mixins.ListModelMixin, GenericViewSet):
    """The caller's notifications (an admin's: all)."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema generator; requests use get_queryset
    filterset_class = NotificationFilter

    def get_queryset(self):
        return selectors.notifications_visible_to(self.request.user)
