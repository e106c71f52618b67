from django.apps import AppConfig


class CalendarFeedConfig(AppConfig):
    name = "calendar_feed"
