"""Role checks: small boolean permission classes, composed with ``&`` and ``|`` in views."""

from rest_framework.permissions import BasePermission


class IsPatient(BasePermission):
    """The caller is a signed-in patient."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_patient)


class IsDoctor(BasePermission):
    """The caller is a signed-in doctor."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_doctor)


class IsAdmin(BasePermission):
    """The caller is a signed-in admin."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)
