from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # schema registers the OpenAPI security schemes; signals keeps refresh tokens out of the database.
        from accounts import schema, signals  # noqa: F401
