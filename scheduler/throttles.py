"""Request-rate limits for the endpoints anyone can call, by client address.

These slow down abuse (mass registration, token spraying); the security control against password
guessing is django-axes' lockout in ``accounts.services.login``. ``RATE_LIMITS=off`` disables both.
"""

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle


class AddressRateThrottle(ScopedRateThrottle):
    """DRF's rate for the view's ``throttle_scope``, keyed by client address, off with ``RATE_LIMITS=off``."""

    def allow_request(self, request, view) -> bool:
        return not settings.RATE_LIMITS or super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        # Always the address (NUM_PROXIES-aware), never the user: these endpoints run before sign-in.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
