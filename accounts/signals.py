"""Refresh tokens are never stored: the blacklist only needs their ``jti``."""

from django.db.models.signals import pre_save
from django.dispatch import receiver
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


@receiver(pre_save, sender=OutstandingToken, dispatch_uid="accounts.blank_outstanding_token")
def blank_outstanding_token(sender, instance: OutstandingToken, **kwargs) -> None:
    """simplejwt writes the whole refresh token (valid for days) into ``OutstandingToken.token``.

    Every path it has (``for_user``, ``outstand``, ``blacklist``) saves through the ORM, so blanking the
    value here covers them all; on PostgreSQL a check constraint refuses anything else (migration
    ``accounts.0003_no_credentials_in_clear``).
    """
    instance.token = ""
