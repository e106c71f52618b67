from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from appointments import signals
        from notifications import handlers, services
        from scheduler import metrics, periodic

        # appointments sits below and cannot import this app: it announces its changes, we listen.
        signals.appointment_booked.connect(handlers.booked, dispatch_uid="notifications.booked")
        signals.appointment_confirmed.connect(handlers.booked, dispatch_uid="notifications.confirmed")
        signals.appointment_cancelled.connect(handlers.cancelled, dispatch_uid="notifications.cancelled")
        signals.appointment_rescheduled.connect(handlers.rescheduled, dispatch_uid="notifications.rescheduled")
        periodic.register("requeue_stalled_notifications", services.requeue_stalled)
        metrics.register_database_collector(services.notification_metrics)
