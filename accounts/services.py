"""Account commands: token issue, rotation, revocation and password changes."""

import hashlib
from dataclasses import dataclass

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import devices
from accounts.models import User, normalize_email, validate_email_characters
from accounts.signals import user_deactivated
from scheduler.exceptions import AuthenticationFailed, TokenNotValid, TooManyRequests
from scheduler.net import client_ip

INVALID_CREDENTIALS = "No active account found with the given credentials."
EMAIL_TAKEN = "An account with this email already exists."
# What a sign-in with an impossible email (a NUL byte, longer than 254 characters once normalised) is
# counted as: no account has it, and it fits axes' ``AccessAttempt.username`` (255) and PostgreSQL.
MALFORMED_USERNAME = "(malformed)"
MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str

    @property
    def expires_in(self) -> int:
        return int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds())


def create_account(*, email: str, password: str, first_name: str, last_name: str, role: str) -> User:
    """A new user with a validated password; runs inside the caller's transaction (with its profile).

    The email check gives a friendly error; the unique index is the real guard, and its violation (a
    simultaneous sign-up with the same email) becomes the same error.
    """
    email = normalize_email(email)
    try:
        validate_email_characters(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": [EMAIL_TAKEN]})
    user = User(email=email, first_name=first_name, last_name=last_name, role=role)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
    return user


def issue_tokens(*, user: User) -> TokenPair:
    """A new refresh token (recorded as outstanding) and its access token."""
    refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def login(*, request: HttpRequest, email: str, password: str) -> TokenPair:
    """Check email and password; the same error whether or not the email exists.

    The view gives the client a device cookie afterwards (``accounts.devices.remember``).
    """
    if login_username(request, {"email": email}) == MALFORMED_USERNAME:
        raise AuthenticationFailed(INVALID_CREDENTIALS, code="invalid_credentials")  # no password was tried
    refuse_if_under_attack(request=request, email=email)
    user = authenticate(request=request, email=email, password=password)
    raise_if_locked_out(request)
    if user is None:
        raise AuthenticationFailed(INVALID_CREDENTIALS, code="invalid_credentials")
    forget_failures(request=request, email=email)
    return issue_tokens(user=user)


def _locked_out(request: HttpRequest) -> TooManyRequests:
    return TooManyRequests(
        "Too many failed sign-in attempts; try again later.",
        retry_after=int(get_cool_off(request).total_seconds()),
    )


def refuse_if_under_attack(*, request: HttpRequest, email: str) -> None:
    """429 for an untrusted client when the account's failures from all addresses reach the limit.

    django-axes locks the pair (account, address) after ``AXES_FAILURE_LIMIT`` failures. An attacker
    cycling addresses meets this account-wide limit instead: ``ACCOUNT_FAILURE_LIMIT`` failures within
    the cool-off refuse every client of the account, except one with a device cookie from an earlier
    sign-in to it (``accounts.devices``), so the owner still signs in.
    """
    if not settings.AXES_ENABLED or devices.is_trusted(request, {"email": email}):
        return
    since = timezone.now() - get_cool_off(request)
    username = login_username(request, {"email": email})
    failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    if (failures or 0) >= settings.ACCOUNT_FAILURE_LIMIT:
        raise _locked_out(request)


def raise_if_locked_out(request: HttpRequest) -> None:
    """After ``authenticate()``: 429 if axes refused the attempt or this failure reached the limit."""
    if getattr(request, "axes_locked_out", False):
        raise _locked_out(request)


def forget_failures(*, request: HttpRequest, email: str) -> None:
    """A success clears this address's failures for the account.

    Axes does that on Django's ``user_logged_in`` signal only with ``AXES_RESET_ON_SUCCESS``, and token
    sign-ins never send the signal, so it is done here for every sign-in path.
    """
    username = login_username(request, {"email": email})
    AccessAttempt.objects.filter(username=username, ip_address=client_ip(request)).delete()


def login_username(request: HttpRequest | None, credentials: dict[str, str] | None) -> str:
    """The account axes counts failures for: the normalised email, so case does not dodge the limit.

    Runs before any form or serializer has validated the input, so an email that no account can have
    and that the database cannot hold is ``MALFORMED_USERNAME`` instead.
    """
    username = normalize_email((credentials or {}).get("email") or (credentials or {}).get("username") or "")
    if "\x00" in username or len(username) > MAX_EMAIL_LENGTH:
        return MALFORMED_USERNAME
    return username


def login_client_str(
    username: str | None,
    ip_address: str | None,
    user_agent: str | None,
    path_info: str | None,
    request: HttpRequest | None,
) -> str:
    """How axes names a client in its logs: a short hash instead of the email address."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{username}".encode()).hexdigest()[:12] if username else "-"
    return f"account={digest} ip={ip_address} path={path_info}"


def _decode_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]  # simplejwt annotates the encoded token as a Token
    except TokenError as exc:
        raise TokenNotValid() from exc


@transaction.atomic
def rotate_refresh_token(*, raw: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old one is blacklisted in the same transaction.

    The outstanding-token row is locked first, so two simultaneous refreshes with one token serialise
    and only the first succeeds (simplejwt 5.5.1 lets both through, upstream #985). A deleted or
    deactivated user, or one whose password changed since the token was issued, gets 401 (upstream #860).
    """
    token = _decode_refresh(raw)
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .filter(jti=token[api_settings.JTI_CLAIM])
        .order_by("pk")
        .first()
    )
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise TokenNotValid()
    user = User.objects.filter(pk=token.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active or not _password_claim_matches(token, user):
        raise TokenNotValid()
    BlacklistedToken.objects.create(token=outstanding)
    return issue_tokens(user=user)


def _password_claim_matches(token: RefreshToken, user: User) -> bool:
    if not api_settings.CHECK_REVOKE_TOKEN:
        return True
    return bool(token.get(api_settings.REVOKE_TOKEN_CLAIM) == get_md5_hash_password(user.password))


@transaction.atomic
def logout(*, user: User, raw_refresh: str) -> None:
    """Blacklist one of the caller's refresh tokens."""
    token = _decode_refresh(raw_refresh)
    if str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
        raise TokenNotValid()
    outstanding = OutstandingToken.objects.filter(jti=token[api_settings.JTI_CLAIM]).first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


def revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every outstanding refresh token of ``user``; returns how many were revoked."""
    pending = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in pending], ignore_conflicts=True)
    return len(created)


def change_password(
    *, user: User, new_password: str, old_password: str | None = None, request: HttpRequest | None = None
) -> User:
    """Set a new password (validated) and revoke every refresh token issued before it.

    Access tokens issued before stop working too: they carry a hash of the old password hash. The
    current password is checked outside the transaction, so a wrong guess stays counted.
    """
    if old_password is not None and not _confirm_password(request, user, old_password):
        raise ValidationError({"old_password": ["The current password is not correct."]})
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoke_refresh_tokens(user=user)
    return user


def _confirm_password(request: HttpRequest | None, user: User, password: str) -> bool:
    """Check the current password through authenticate(), so that guesses count towards the lockout."""
    if request is None:
        return user.check_password(password)
    confirmed = authenticate(request=request, email=user.email, password=password)
    raise_if_locked_out(request)
    return confirmed is not None and confirmed.pk == user.pk


@transaction.atomic
def deactivate_user(*, user: User) -> User:
    """Block a user at once: no sign-in, no refresh, and their access tokens stop on the next request.

    Then ``user_deactivated`` is sent in the same transaction: the doctors app withdraws a doctor's free
    future slots, so search stops offering them; booking also refuses any slot of an inactive doctor
    (appointments.services).
    """
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoke_refresh_tokens(user=user)
    user_deactivated.send(sender=User, user=user)
    return user
