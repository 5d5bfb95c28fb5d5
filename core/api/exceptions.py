"""One JSON error shape for the whole API:

    {"status": 409, "code": "transition_not_allowed", "message": "...",
     "fields": {...}, "current_status": "new", "allowed_transitions": ["acknowledge", "cancel"]}

`fields` appears on 400s, always `{name: [messages]}`: errors of nested serializers and list items are
flattened to dotted names (`"plan.rollback"`, `"items.0.name"`); the state keys on 409s. Nothing a client sends should reach a 500.

Errors Django answers before or outside a DRF view (no route matches, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, a crash) come through handler400/403/404/500 (opsdesk/urls.py): under /api/
in this same shape, elsewhere as the HTML pages."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, InvalidInput

_MESSAGES = {
    400: "Invalid input.",
    401: "Authentication credentials were not provided or are invalid.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Not acceptable.",
    415: "Unsupported media type.",
    429: "Too many requests.",
    500: "Server error. The failure was logged; try again later.",
}
API_PREFIX = "/api/"


def _request_error_message(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, RequestDataTooBig):
        return "request_too_large", "The request body is larger than the server accepts."
    if isinstance(exc, TooManyFieldsSent):
        return "too_many_fields", "The request has more fields than the server accepts."
    return "bad_request", "The request could not be read."


def error_body(*, status_code: int, code: str, message: str, **extra) -> dict:
    body = {"status": status_code, "code": code, "message": message}
    body.update({key: value for key, value in extra.items() if value is not None})
    return body


def flatten_fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's error detail as `{name: [messages]}`: nested objects and list items become dotted names
    (`{"plan": {"rollback": [...]}}` → `{"plan.rollback": [...]}`, `{"ids": {0: [...]}}` → `{"ids.0": [...]}`)."""
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list | tuple) and any(isinstance(item, dict | list | tuple) for item in detail):
        items = enumerate(detail)  # a list serializer's errors: one entry per item ({} when it was fine)
    else:
        messages = detail if isinstance(detail, list | tuple) else [detail]
        return {prefix or "non_field_errors": [str(message) for message in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict | list | tuple) and not value:
            continue  # an item without errors
        for field, messages in flatten_fields(value, name).items():
            flat.setdefault(field, []).extend(messages)
    return flat


def _domain_response(exc: DomainError) -> Response:
    extra = {}
    if isinstance(exc, InvalidInput):
        extra["fields"] = flatten_fields(exc.fields)
    for attribute in ("current_status", "allowed_transitions", "current_version"):
        if hasattr(exc, attribute):
            extra[attribute] = getattr(exc, attribute)
    return Response(
        error_body(status_code=exc.status, code=exc.code, message=exc.message, **extra), status=exc.status
    )


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, ConcurrentTransition):
        exc = exceptions.APIException(str(exc))
        exc.status_code = status.HTTP_409_CONFLICT
        exc.default_code = "concurrent_modification"
    elif isinstance(exc, TransitionNotAllowed):
        exc = exceptions.APIException(str(exc))
        exc.status_code = status.HTTP_409_CONFLICT
        exc.default_code = "transition_not_allowed"
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):  # RequestDataTooBig, TooManyFieldsSent, a bad multipart body
        code, message = _request_error_message(exc)
        return Response(error_body(status_code=400, code=code, message=message), status=400)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500

    code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            status_code=code, code="invalid", message=_MESSAGES[400], fields=flatten_fields(exc.detail)
        )
    else:
        detail = getattr(exc, "detail", "")
        error_code = detail.code if hasattr(detail, "code") else getattr(exc, "default_code", "error")
        response.data = error_body(
            status_code=code, code=str(error_code), message=str(detail) or _MESSAGES.get(code, "Error.")
        )
    return response


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(status_code=status_code, code=code, message=message), status=status_code)


def handler400(request, exception=None):
    if request.path.startswith(API_PREFIX):
        code, message = _request_error_message(exception)
        return _json_error(400, code, message)
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json_error(403, "permission_denied", _MESSAGES[403])
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json_error(404, "not_found", _MESSAGES[404])
    return defaults.page_not_found(request, exception)


def handler500(request):
    if request.path.startswith(API_PREFIX):
        return _json_error(500, "server_error", _MESSAGES[500])
    return defaults.server_error(request)
