import datetime
from types import SimpleNamespace

from gunicorn.config import Config

from scheduler.gunicorn_logging import RedactingLogger

TOKEN = "q" * 43


def test_the_access_log_never_holds_a_feed_token():
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/calendar/{TOKEN}.ics",
        "PATH_INFO": f"/calendar/{TOKEN}.ics",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://clinic.example/calendar/{TOKEN}.ics",
    }
    atoms = RedactingLogger(Config()).atoms(
        SimpleNamespace(status="200 OK", sent=10, headers=[]), [], environ, datetime.timedelta(seconds=1)
    )
    assert TOKEN not in repr(atoms)
    assert atoms["r"] == "GET /calendar/[token].ics HTTP/1.1"
