"""The ceiling of this machine's serving and load generation: a WSGI app that does nothing.

The ``bare`` scenario serves it with the same gunicorn and gunicorn.conf.py as the project and drives
it with the same locust users. What it reaches is what no Django view can beat here (no framework, no
database, an 11-byte answer), so a latency the project misses by less than this app's own is a limit
of the machine and the load generator, not of the code.
"""

BODY = b'{"ok":true}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ: dict, start_response) -> list[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
