from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        # schema registers the OpenAPI security schemes; signals keeps refresh tokens out of the database.
        from accounts import devices, schema, signals  # noqa: F401

        user_login_failed.connect(devices.record_failure, dispatch_uid="accounts.devices.record_failure")
