"""Domain errors: raised by services, mapped to HTTP by ``scheduler.api.exception_handler``.

Services never raise DRF exceptions, so the core does not depend on the web layer.
"""

# Every 409 ``code`` API.md promises: the contract, including codes of features still to come. The OpenAPI
# document's ``Conflict.code`` enum is this tuple, and every ``Conflict`` subclass's code must be one of
# them (scheduler/tests/test_openapi.py).
CONFLICT_CODES = (
    "slot_unavailable",
    "slot_overlap",
    "patient_conflict",
    "invalid_transition",
    "hold_expired",
    "policy_violation",
    "record_exists",
    "idempotency_key_in_progress",
    "already_waiting",
)


class ApplicationError(Exception):
    """Base domain error with a machine-readable ``code`` and a default HTTP status."""

    status_code = 400
    default_code = "error"
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, code: str | None = None, extra: dict | None = None):
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.extra = extra or {}
        super().__init__(self.detail)


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"
    default_detail = "Not found."


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class Conflict(ApplicationError):
    status_code = 409
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class SlotUnavailable(Conflict):
    default_code = "slot_unavailable"
    default_detail = "This slot is no longer available."


class SlotOverlap(Conflict):
    default_code = "slot_overlap"
    default_detail = "The period overlaps existing slots of this doctor."


class PatientConflict(Conflict):
    default_code = "patient_conflict"
    default_detail = "The patient already has an appointment at an overlapping time."


class InvalidTransition(Conflict):
    default_code = "invalid_transition"
    default_detail = "This change of status is not allowed."


class HoldExpired(Conflict):
    default_code = "hold_expired"
    default_detail = "The hold ran out before it was confirmed; hold the slot again if it is still free."


class PolicyViolation(Conflict):
    default_code = "policy_violation"
    default_detail = "The clinic's booking policy does not allow this."


class AlreadyWaiting(Conflict):
    default_code = "already_waiting"
    default_detail = "The patient already waits for this doctor or specialization in an overlapping window."


class AuthenticationFailed(ApplicationError):
    status_code = 401
    default_code = "authentication_failed"
    default_detail = "Incorrect authentication credentials."


class TokenNotValid(AuthenticationFailed):
    """A refresh token that is malformed, expired, revoked, or not the caller's."""

    default_code = "token_not_valid"
    default_detail = "Token is invalid, expired or revoked."


class TooManyRequests(ApplicationError):
    status_code = 429
    default_code = "too_many_attempts"
    default_detail = "Too many attempts; try again later."

    def __init__(self, detail: str | None = None, *, retry_after: int, **kwargs):
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after
