from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"

    def ready(self) -> None:
        from appointments.selectors import treats
        from appointments.services import expire_holds
        from patients.selectors import set_treats_rule
        from scheduler import periodic

        # patients sits below appointments and cannot import it: it is handed the rule instead.
        set_treats_rule(treats)
        # The worker's sweep: a hold past its time reads free in slot search within a tick (API.md).
        periodic.register("expire_holds", expire_holds)
