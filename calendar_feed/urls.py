from django.urls import path

from calendar_feed.views import CalendarTokenView

urlpatterns = [path("calendar/token/", CalendarTokenView.as_view(), name="calendar-token")]
