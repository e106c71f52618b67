"""The token and password commands called directly: rotation, revocation, password changes."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from scheduler.exceptions import AuthenticationFailed

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-horse-battery-7"


def refused(call, *args, **kwargs) -> None:
    with pytest.raises(AuthenticationFailed) as error:
        call(*args, **kwargs)
    assert error.value.code == "token_not_valid"


class TestRotation:
    def test_a_refresh_token_is_exchanged_once(self):
        pair = services.issue_tokens(user=UserFactory())
        new = services.rotate_refresh_token(raw=pair.refresh)
        assert new.refresh != pair.refresh and new.access
        refused(services.rotate_refresh_token, raw=pair.refresh)
        services.rotate_refresh_token(raw=new.refresh)

    def test_garbage_is_refused(self):
        refused(services.rotate_refresh_token, raw="not.a.token")

    def test_a_deactivated_user_or_a_changed_password_ends_the_token(self):
        user, other = UserFactory(), UserFactory()
        pair, other_pair = services.issue_tokens(user=user), services.issue_tokens(user=other)
        user.is_active = False
        user.save()
        refused(services.rotate_refresh_token, raw=pair.refresh)
        other.set_password(NEW_PASSWORD)  # not through the service: the token's password claim alone stops it
        other.save()
        refused(services.rotate_refresh_token, raw=other_pair.refresh)


class TestRevocation:
    def test_logout_revokes_the_callers_own_token_only(self):
        user, attacker = UserFactory(), UserFactory()
        pair = services.issue_tokens(user=user)
        refused(services.logout, user=attacker, raw_refresh=pair.refresh)
        assert not BlacklistedToken.objects.exists()
        services.logout(user=user, raw_refresh=pair.refresh)
        refused(services.rotate_refresh_token, raw=pair.refresh)

    def test_revoking_all_counts_only_the_outstanding_ones(self):
        user = UserFactory()
        pairs = [services.issue_tokens(user=user) for _ in range(3)]
        services.logout(user=user, raw_refresh=pairs[0].refresh)
        services.issue_tokens(user=UserFactory())
        assert services.revoke_refresh_tokens(user=user) == 2
        assert services.revoke_refresh_tokens(user=user) == 0
        assert OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count() == 0

    def test_deactivation_blocks_the_account_and_its_tokens(self):
        user = UserFactory()
        pair = services.issue_tokens(user=user)
        services.deactivate_user(user=user)
        user.refresh_from_db()
        assert not user.is_active
        refused(services.rotate_refresh_token, raw=pair.refresh)


class TestChangePassword:
    def test_sets_the_new_password_and_revokes_every_refresh_token(self):
        user = UserFactory()
        pair = services.issue_tokens(user=user)
        services.change_password(user=user, old_password=DEFAULT_PASSWORD, new_password=NEW_PASSWORD)
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert BlacklistedToken.objects.filter(token__user=user).count() == 1
        refused(services.rotate_refresh_token, raw=pair.refresh)

    @pytest.mark.parametrize(
        "old, new, field",
        [("wrong-password-1", NEW_PASSWORD, "old_password"), (DEFAULT_PASSWORD, "short", "new_password")],
    )
    def test_a_wrong_current_or_weak_new_password_changes_nothing(self, old, new, field):
        user = UserFactory()
        services.issue_tokens(user=user)
        with pytest.raises(ValidationError) as error:
            services.change_password(user=user, old_password=old, new_password=new)
        assert field in error.value.message_dict
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD) and not BlacklistedToken.objects.exists()
