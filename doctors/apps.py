from django.apps import AppConfig


class DoctorsConfig(AppConfig):
    name = "doctors"

    def ready(self) -> None:
        from accounts.signals import user_deactivated
        from doctors import handlers

        user_deactivated.connect(
            handlers.withdraw_slots_of_deactivated_doctor, dispatch_uid="doctors.withdraw_slots_of_deactivated_doctor"
        )
