"""Domain errors raised by services; the API and the browser turn each into one HTTP status."""

from collections.abc import Iterable, Mapping


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Field-level validation failure: {field: [messages]}."""

    def __init__(self, fields: Mapping[str, Iterable[str] | str], message: str = "Invalid input."):
        super().__init__(message)
        self.fields = {name: [msgs] if isinstance(msgs, str) else list(msgs) for name, msgs in fields.items()}


class NotPermitted(DomainError):
    status = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The request clashes with the record's current state (beyond its lifecycle transitions)."""

    status = 409

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.code = code


class TransitionNotAllowed(DomainError):
    """409 for a lifecycle step that is illegal now. `current_status` and `allowed_transitions` stay
    codes (the API's fields); with `status_labels` / `action_labels` the human message names them as
    people see them ("On hold", "Resume work")."""

    status = 409
    code = "transition_not_allowed"

    def __init__(
        self,
        *,
        action: str,
        current_status: str,
        allowed: Iterable[str],
        reason: str = "",
        status_labels: Mapping[str, str] | None = None,
        action_labels: Mapping[str, str] | None = None,
    ):
        self.current_status = current_status
        self.allowed_transitions = sorted(allowed)
        if status_labels is None or action_labels is None:
            allowed_text = ", ".join(self.allowed_transitions) or "none"
            message = reason or f"Cannot {action} while the status is '{current_status}'."
            super().__init__(f"{message} Allowed transitions: {allowed_text}.")
            return
        allowed_text = ", ".join(action_labels.get(name, name) for name in self.allowed_transitions) or "none"
        status_label = status_labels.get(current_status, current_status)
        doing = action_labels.get(action, action)
        message = reason or f"Cannot {doing[:1].lower()}{doing[1:]} while the status is “{status_label}”."
        super().__init__(f"{message} Allowed now: {allowed_text}.")


class ConcurrentModification(DomainError):
    status = 409
    code = "concurrent_modification"

    def __init__(
        self,
        *,
        current_version: int,
        current_status: str,
        allowed: Iterable[str],
        status_labels: Mapping[str, str] | None = None,
    ):
        self.current_version = current_version
        self.current_status = current_status
        self.allowed_transitions = sorted(allowed)
        shown = (
            f"“{status_labels.get(current_status, current_status)}”"
            if status_labels
            else f"'{current_status}'"
        )
        super().__init__(
            f"The record was changed by someone else (now version {current_version}, status "
            f"{shown}). Reload it and try again."
        )
