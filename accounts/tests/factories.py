import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, User

DEFAULT_PASSWORD = "correct-horse-battery-9"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.PATIENT

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])


# What the front desk needs in the admin (DesignDecisions.md, the front desk): an admin-role staff user,
# not a superuser, with these model permissions.
FRONT_DESK_PERMISSIONS = [
    "appointments.view_appointment",
    "appointments.change_appointment",
    "patients.view_patient",
    "doctors.view_doctor",
    "doctors.view_slot",
    "doctors.add_slot",
]


class ReceptionistFactory(UserFactory):
    """A staff user with the front desk's permissions (``role="doctor"`` makes a staff doctor)."""

    role = Role.ADMIN
    is_staff = True

    @factory.post_generation
    def front_desk_permissions(self, create: bool, extracted: object, **kwargs: object) -> None:
        from django.contrib.auth.models import Permission

        for name in FRONT_DESK_PERMISSIONS:
            app_label, codename = name.split(".")
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
