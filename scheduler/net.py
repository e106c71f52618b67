"""The client's address, as far as it can be trusted."""

from django.conf import settings


def client_ip(request) -> str | None:
    """``REMOTE_ADDR``, or the address the last of ``TRUSTED_PROXY_COUNT`` proxies saw.

    The leftmost ``X-Forwarded-For`` entry is whatever the client wrote and cannot be trusted; each
    trusted proxy appends the address it received from, so we count from the right.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
