"""What the doctors app does when something happens elsewhere (connected in ``DoctorsConfig.ready``)."""

from accounts.models import User
from doctors.models import Doctor
from doctors.services import withdraw_free_slots


def withdraw_slots_of_deactivated_doctor(sender: type[User], *, user: User, **kwargs: object) -> None:
    """``accounts.signals.user_deactivated``: a leaving doctor's free future slots go, in the same transaction."""
    for doctor in Doctor.objects.filter(user=user):
        withdraw_free_slots(doctor=doctor)
