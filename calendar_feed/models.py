from django.conf import settings
from django.db import models


class CalendarToken(models.Model):
    """A user's secret calendar-feed token, stored as its SHA-256 (a database dump holds no usable token).

    One per user: issuing a new one replaces it, so the old URL stops working.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token")
    token_hash = models.CharField(max_length=64, unique=True)  # hex SHA-256 of the 32 random bytes' text
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Calendar token of user {self.user_id}"
