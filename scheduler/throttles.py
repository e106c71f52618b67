"""Request-rate limits for the endpoints anyone can call, by client address.

These slow down abuse (mass registration, token spraying); the security control against password
guessing is django-axes' lockout in ``accounts.services.login``. ``RATE_LIMITS=off`` disables both.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class AddressRateThrottle(SimpleRateThrottle):
    """A rate per client address for the view's ``throttle_scope``."""

    def __init__(self):
        pass  # the rate depends on the view's scope; it is resolved in allow_request

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS:
            return True
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
