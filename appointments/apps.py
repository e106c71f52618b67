from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"

    def ready(self) -> None:
        from appointments.selectors import treats
        from patients.selectors import set_treats_rule

        # patients sits below appointments and cannot import it: it is handed the rule instead.
        set_treats_rule(treats)
