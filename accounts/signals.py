"""Signals accounts sends, and its own receivers (refresh tokens are never stored: the blacklist needs only the jti)."""

from django.db.models.signals import pre_save
from django.dispatch import Signal, receiver
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

# Sent by ``accounts.services.deactivate_user`` inside its transaction, after the account is blocked and
# its refresh tokens revoked, with ``user=``. Receivers run in that transaction (an exception rolls the
# deactivation back) and take their locks after the user's row. Apps above accounts react to a user
# leaving here (doctors withdraws their free slots), so accounts never imports them.
user_deactivated = Signal()


@receiver(pre_save, sender=OutstandingToken, dispatch_uid="accounts.blank_outstanding_token")
def blank_outstanding_token(sender, instance: OutstandingToken, **kwargs) -> None:
    """simplejwt writes the whole refresh token (valid for days) into ``OutstandingToken.token``.

    Every path it has (``for_user``, ``outstand``, ``blacklist``) saves through the ORM, so blanking the
    value here covers them all; on PostgreSQL a check constraint refuses anything else (migration
    ``accounts.0003_no_credentials_in_clear``).
    """
    instance.token = ""
