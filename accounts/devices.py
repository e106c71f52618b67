"""Device cookies: a client that signed in to an account before is not locked out by strangers' failures.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a successful sign-in leaves a signed
cookie bound to the account (a keyed hash of its normalised email, never the email itself) and to a
random device id. A sign-in attempt that carries a valid cookie for the account it names is *trusted*:
django-axes leaves it alone (``AXES_WHITELIST_CALLABLE``) and the account-wide limit does not apply.
Its failures count against the device instead, and after ``AXES_FAILURE_LIMIT`` of them within the
cool-off the cookie is worth nothing until the cool-off has passed, so a stolen cookie buys a handful
of guesses, not unlimited ones.

The device's failure count lives in the cache. While the cache fails, every client is untrusted (it
meets the account-wide limit, as one without a cookie does) and failures go uncounted against devices:
a warning is logged, never a 500.
"""

import logging
import secrets

from axes.helpers import get_cool_off
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "accounts.devices"

logger = logging.getLogger(__name__)


def _account(username: str, secret: str | None = None) -> str:
    return salted_hmac(SALT, username, secret=secret).hexdigest()[:32]


def _is_account(value: str, username: str) -> bool:
    """Is ``value`` the account hash of ``username`` under the current key or one of its fallbacks?

    Cookies made before a ``SECRET_KEY`` rotation stay good while the old key is a fallback (signing
    accepts them then too), so owners keep their exemption through the rotation.
    """
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(constant_time_compare(value, _account(username, key)) for key in keys)


def _cache_failed(exc: Exception, action: str) -> None:
    # The exception's class only: its text may carry the cache key, which holds the device id.
    logger.warning("Device cookie check degraded: the cache failed while %s (%s).", action, type(exc).__name__)


def _device_id(request, username: str) -> str | None:
    """The device id of a valid, unexpired cookie for this account, else None."""
    raw = getattr(request, "COOKIES", {}).get(settings.DEVICE_COOKIE_NAME)
    if not raw or not username:
        return None
    try:
        value = signing.loads(raw, salt=SALT, max_age=settings.DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("a"), str) or not isinstance(value.get("d"), str):
        return None
    if not _is_account(value["a"], username):
        return None
    return value["d"]


def _failures_key(device_id: str) -> str:
    return f"device-failures:{device_id}"


def is_trusted(request, credentials: dict | None) -> bool:
    """Does this attempt come from a device that signed in to the account and has not failed too often?

    Also axes' whitelist callable: a trusted attempt is neither refused by nor counted towards the
    (account, address) lockout.
    """
    from accounts.services import login_username  # services imports this module

    device_id = _device_id(request, login_username(request, credentials))
    if device_id is None:
        return False
    try:
        failures = cache.get(_failures_key(device_id), 0)
    except Exception as exc:  # any cache backend's error
        _cache_failed(exc, "reading a device's failures")
        return False
    return failures < settings.AXES_FAILURE_LIMIT


def record_failure(sender, credentials: dict, request=None, **kwargs) -> None:
    """``user_login_failed`` receiver: count a failure against the device cookie it came with, if any."""
    from accounts.services import login_username

    if request is None or not settings.AXES_ENABLED:
        return
    device_id = _device_id(request, login_username(request, credentials))
    if device_id is not None:
        # Not atomic (two simultaneous failures may count once): a brake on a stolen cookie, which
        # then still meets the (account, address) lockout and the account-wide limit.
        key = _failures_key(device_id)
        try:
            cache.set(key, cache.get(key, 0) + 1, timeout=int(get_cool_off(request).total_seconds()))
        except Exception as exc:
            _cache_failed(exc, "counting a device's failure")


def remember(response, *, email: str) -> None:
    """Give the client a fresh device cookie for this account (after a successful sign-in)."""
    from accounts.models import normalize_email

    value = signing.dumps({"a": _account(normalize_email(email)), "d": secrets.token_urlsafe(16)}, salt=SALT)
    response.set_cookie(
        settings.DEVICE_COOKIE_NAME,
        value,
        max_age=int(settings.DEVICE_COOKIE_MAX_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
