from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from accounts import devices, schema  # noqa: F401  (schema registers the OpenAPI security schemes)

        user_login_failed.connect(devices.record_failure, dispatch_uid="accounts.devices.record_failure")
