"""Typed errors raised by the services when an invariant would break.

Each carries a stable ``code`` so that callers (dialogs, console) can choose their
own words for it without parsing messages.
"""

from __future__ import annotations

from datetime import datetime


class PlanStoreError(Exception):
    code = "plan_store_error"


class NotFound(PlanStoreError):
    code = "not_found"


class OutOfScope(NotFound):
    """The thing exists but the caller may not see it; shown to callers as not found."""

    code = "out_of_scope"


class ValidationFailed(PlanStoreError):
    code = "validation_failed"


class InvalidVoicePrompt(ValidationFailed):
    """Not a usable voice prompt: a bad key or language, not OGG/Opus, over 1 MB."""

    code = "invalid_voice_prompt"


class CodeInvalid(PlanStoreError):
    code = "code_invalid"


class CodeExpired(CodeInvalid):
    code = "code_expired"


class CodeAlreadyUsed(CodeInvalid):
    code = "code_already_used"


class CodeAttemptsBlocked(PlanStoreError):
    code = "code_attempts_blocked"


class ChatNotLinked(PlanStoreError):
    code = "chat_not_linked"


class ConsentMissing(PlanStoreError):
    code = "consent_missing"


class AppointmentInPast(PlanStoreError):
    code = "appointment_in_past"


class AppointmentClosed(PlanStoreError):
    """The appointment is cancelled or already over; its answers are closed."""

    code = "appointment_closed"


class RoleRefused(PlanStoreError):
    """The caller sees the case, but this change is not their role's to make."""

    code = "role_refused"


class NotOwnedByCase(PlanStoreError):
    """A goal, step or appointment that belongs to another adolescent's plan."""

    code = "not_owned_by_case"


class StepNotDone(PlanStoreError):
    code = "step_not_done"


class CaseClosed(PlanStoreError):
    code = "case_closed"


class DuplicateName(PlanStoreError):
    code = "duplicate_name"


class InvalidTransition(PlanStoreError):
    code = "invalid_transition"


class HandoverNoteMissing(ValidationFailed):
    """A case changes operator without a word for the new one."""

    code = "handover_note_missing"


class WrongPassword(PlanStoreError):
    """The current password given to change it is not the right one."""

    code = "wrong_password"


class LoginThrottled(PlanStoreError):
    """Too many failed log-ins lately: wait until ``until`` (aware UTC)."""

    code = "login_throttled"

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class SecondFactorRequired(PlanStoreError):
    """The password was right; a code from the authenticator app must follow."""

    code = "second_factor_required"


class WrongCode(PlanStoreError):
    """Not the current code of the authenticator app, nor an unused recovery code."""

    code = "wrong_code"


class OwnReview(InvalidTransition):
    """Nobody reviews their own translation or term: a second speaker does."""

    code = "own_review"


class BrokenPlaceholders(ValidationFailed):
    """A translation whose placeholders differ from the Spanish text's."""

    code = "translation_placeholders"


class TemplateButtonTooLong(ValidationFailed):
    """A WhatsApp template's button translated longer than a button takes."""

    code = "template_button_long"
