from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from calendar_feed import apidocs, selectors, services
from calendar_feed.ical import build_calendar
from calendar_feed.serializers import CalendarTokenSerializer


@apidocs.CALENDAR_TOKEN
class CalendarTokenView(APIView):
    """The caller's secret calendar-feed URL: create or replace it, or revoke it (any signed-in user)."""

    serializer_class = CalendarTokenSerializer

    def post(self, request):
        token = services.issue_calendar_token(user=request.user)
        url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": token}))
        return Response(CalendarTokenSerializer({"url": url}).data, status=status.HTTP_201_CREATED)

    def delete(self, request):
        services.revoke_calendar_token(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/<token>.ics``: the token is the credential (no Authorization header); unknown → 404."""
    user = selectors.user_for_token(token)
    if user is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    body = build_calendar(
        appointments=selectors.feed_appointments(user=user, now=now),
        viewer=user,
        uid_domain=split_domain_port(request.get_host())[0],
        now=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
