"""A database session engine that stores a hash of each session key, never the key itself.

Django's ``db`` engine keeps the cookie value as the primary key of ``django_session``, so one row of a
dump or a backup signs anyone in as that admin. Here the row is found by ``sha256(key)``: the cookie
still carries the random key (32 characters of ``[a-z0-9]``, about 165 bits), and nothing in the
database can be sent back as a cookie. No secret is mixed in: a key that long cannot be guessed from
its hash, and sessions then survive a ``SECRET_KEY`` rotation as Django's own do.

Everything else (expiry, ``clearsessions``, logout deleting the row, ``cycle_key`` on sign-in) is
Django's ``db`` engine unchanged.
"""

import hashlib

from django.contrib.sessions.backends import db
from django.utils import timezone

# django_session.session_key is varchar(40): the first 160 bits of the digest, in hex.
STORED_KEY_LENGTH = 40


def stored_key(session_key: str | None) -> str | None:
    """What ``django_session.session_key`` holds for a cookie's session key."""
    if session_key is None:
        return None
    return hashlib.sha256(session_key.encode()).hexdigest()[:STORED_KEY_LENGTH]


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        try:
            return self.model.objects.get(session_key=stored_key(self.session_key), expire_date__gt=timezone.now())
        except self.model.DoesNotExist:
            self._session_key = None

    async def _aget_session_from_db(self):
        try:
            key = stored_key(self.session_key)
            return await self.model.objects.aget(session_key=key, expire_date__gt=timezone.now())
        except self.model.DoesNotExist:
            self._session_key = None

    def exists(self, session_key):
        return super().exists(stored_key(session_key))

    async def aexists(self, session_key):
        return await super().aexists(stored_key(session_key))

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    def delete(self, session_key=None):
        if session_key is None:
            session_key = self.session_key
        if session_key is not None:
            self.model.objects.filter(session_key=stored_key(session_key)).delete()

    async def adelete(self, session_key=None):
        if session_key is None:
            session_key = self.session_key
        if session_key is not None:
            await self.model.objects.filter(session_key=stored_key(session_key)).adelete()
