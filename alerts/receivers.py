"""The endpoints monitoring tools post to. No session, no CSRF: the integration's secret key is the
credential. Each checks size, key, rate and shape, stores the body and answers at once (202);
processing happens after commit (alerts/processing.py). Bad input is a 4xx, never a 500.

- `POST /api/v1/integrations/<key>/alertmanager/`: Alertmanager's webhook (version 4); errors in
  the API's JSON shape {status, code, message, fields?}.
- `POST /events/v2/enqueue`: PagerDuty Events API v2; answers in its shape
  {"status": "success", "message": "Event processed", "dedup_key": ...}."""

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core.api.exceptions import error_body

from . import payloads, ratelimit, services
from .models import Integration

MAX_BODY_BYTES = 512 * 1024


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, errors: list[str] | None = None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.errors = errors or [message]
        self.headers = headers or {}


def _read_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = Refused(413, "too_large", f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    if declared > MAX_BODY_BYTES:
        raise too_large
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise too_large
    return raw


def _integration(key: str, kind: str) -> Integration:
    integration = Integration.objects.filter(key=key, kind=kind).select_related("service").first()
    if integration is None:
        raise Refused(404, "not_found", f"No {Integration.Kind(kind).label} integration has this key.")
    if not integration.active:
        raise Refused(403, "integration_inactive", f"The integration '{integration.name}' is inactive.")
    return integration


def _throttle(integration: Integration) -> None:
    wait = ratelimit.retry_after(bucket=integration.key, limit=integration.rate_limit)
    if wait is not None:
        raise Refused(
            429,
            "throttled",
            f"More than {integration.rate_limit} requests a minute for this integration; retry in {wait} s.",
            headers={"Retry-After": str(wait)},
        )


def _receiver(render_error: Callable[[Refused], JsonResponse]):
    def decorate(view):
        @csrf_exempt
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method != "POST":
                response = render_error(Refused(405, "method_not_allowed", "Only POST is allowed here."))
                response["Allow"] = "POST"
                return response
            try:
                return view(request, *args, **kwargs)
            except Refused as refused:
                response = render_error(refused)
                for name, value in refused.headers.items():
                    response[name] = value
                return response

        return wrapped

    return decorate


# --- Alertmanager ----------------------------------------------------------------------------


def _api_error(refused: Refused) -> JsonResponse:
    extra = {"fields": {"body": refused.errors}} if refused.status == 400 else {}
    body = error_body(status_code=refused.status, code=refused.code, message=refused.message, **extra)
    return JsonResponse(body, status=refused.status)


@_receiver(_api_error)
def alertmanager_webhook(request: HttpRequest, key: str) -> JsonResponse:
    raw = _read_body(request)
    integration = _integration(key, Integration.Kind.ALERTMANAGER)
    _throttle(integration)
    try:
        body = payloads.parse_json(raw)
        signals = payloads.alertmanager_signals(
            body, by_group=integration.grouping == Integration.Grouping.GROUP_KEY
        )
    except payloads.Invalid as invalid:
        raise Refused(
            400, "invalid", "Not an Alertmanager webhook body (version 4).", invalid.errors
        ) from None
    inbound = services.inbound_event_accept(integration=integration, body=body)
    return JsonResponse({"status": "accepted", "event": inbound.pk, "alerts": len(signals)}, status=202)


# --- Events API v2 ---------------------------------------------------------------------------

_EVENTS_V2_STATUS = {400: "invalid event", 413: "invalid event", 429: "throttle event"}


def _events_v2_error(refused: Refused) -> JsonResponse:
    body = {
        "status": _EVENTS_V2_STATUS.get(refused.status, "unrecognized event"),
        "message": refused.message,
        "errors": refused.errors,
    }
    return JsonResponse(body, status=refused.status)


@_receiver(_events_v2_error)
def events_v2_enqueue(request: HttpRequest) -> JsonResponse:
    raw = _read_body(request)
    try:
        event = payloads.events_v2_normalise(payloads.parse_json(raw))
    except payloads.Invalid as invalid:
        raise Refused(400, "invalid", "Event object is invalid", invalid.errors) from None
    try:
        integration = _integration(event["routing_key"], Integration.Kind.EVENTS_V2)
    except Refused as refused:  # PagerDuty answers an unknown routing key with 400 as well
        raise Refused(
            400, refused.code, "Event object is invalid", [f"'routing_key': {refused.message}"]
        ) from None
    _throttle(integration)
    stored = {name: value for name, value in event.items() if name != "routing_key"}  # no secrets at rest
    services.inbound_event_accept(integration=integration, body=stored)
    return JsonResponse(
        {"status": "success", "message": "Event processed", "dedup_key": event["dedup_key"]}, status=202
    )
