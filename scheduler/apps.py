from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"

    def ready(self) -> None:
        from scheduler import idempotency, periodic

        def purge_idempotency_keys() -> int:
            deleted = 0
            while purged := idempotency.purge_expired():
                deleted += purged
            return deleted

        periodic.register("purge_periodic_runs", periodic.purge_periodic_runs)
        periodic.register("prune_finished_tasks", periodic.prune_finished_tasks)
        periodic.register("purge_idempotency_keys", purge_idempotency_keys)


class ClinicAdminConfig(AdminConfig):
    default_site = "scheduler.admin_site.ClinicAdminSite"
