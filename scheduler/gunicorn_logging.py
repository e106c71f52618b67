"""gunicorn's access log without calendar-feed tokens: in ``/calendar/<token>.ics`` the URL is the credential."""

import re

from gunicorn.glogging import Logger

FEED_TOKEN = re.compile(r"(/calendar/)[^/\s?#]+(\.ics)")


def redact(value: object) -> object:
    """``/calendar/<token>.ics`` → ``/calendar/[token].ics`` in a log value; anything else unchanged."""
    return FEED_TOKEN.sub(r"\1[token]\2", value) if isinstance(value, str) else value


class RedactingLogger(Logger):
    """Every access-log atom (request line, path, referrer, headers) with feed tokens blanked out."""

    def atoms(self, resp, req, environ, request_time):
        return {key: redact(value) for key, value in super().atoms(resp, req, environ, request_time).items()}
