"""Request-rate limits for the endpoints anyone can call, by client address.

These slow down abuse (mass registration, token spraying); the security control against password
guessing is django-axes' lockout in ``accounts.services.login``. ``RATE_LIMITS=off`` disables both.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class AddressRateThrottle(ScopedRateThrottle):
    """DRF's rate for the view's ``throttle_scope``, keyed by client address, off with ``RATE_LIMITS=off``."""

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS:
            return True
        try:
            return super().allow_request(request, view)
        except DatabaseError:
            raise  # the default cache is the database: it is gone for the whole request (503)
        except Exception as exc:  # another cache backend's error: a rate limit is not worth a 500
            # The class only: a cache error's text may carry the key, and so the client's address.
            logger.warning("Rate limit %r skipped: the cache failed (%s).", self.scope, type(exc).__name__)
            return True

    def get_cache_key(self, request, view) -> str:
        # Always the address (NUM_PROXIES-aware), never the user: these endpoints run before sign-in.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
