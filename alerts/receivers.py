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
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    parser_classes,
    permission_classes,
    throttle_classes,
)

from core.api.exceptions import error_body
from core.api.serializers import ErrorSerializer

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
def _alertmanager_webhook(request: HttpRequest, key: str) -> JsonResponse:
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
def _events_v2_enqueue(request: HttpRequest) -> JsonResponse:
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


# --- as API views: no authentication (the key is the credential), no session, no CSRF, no DRF
# throttle (the integration's own limit applies), the body read raw; documented in the schema ---


def _sender_endpoint(view, **schema):
    for decorate in (
        parser_classes([]),
        throttle_classes([]),
        permission_classes([]),
        authentication_classes([]),
        api_view(["POST"]),
    ):
        view = decorate(view)
    view.cls.public_endpoint = True  # core.api.schema: these document their own errors
    return extend_schema(auth=[], request={"application/json": OpenApiTypes.OBJECT}, **schema)(view)


def _errors(serializer, **descriptions) -> dict:
    return {int(code): OpenApiResponse(serializer, description=text) for code, text in descriptions.items()}


_V2_ERROR = inline_serializer(
    "EventsV2Error",
    {
        "status": serializers.CharField(),
        "message": serializers.CharField(),
        "errors": serializers.ListField(child=serializers.CharField()),
    },
)

alertmanager_webhook = _sender_endpoint(
    _alertmanager_webhook,
    operation_id="alertmanager_webhook",
    tags=["integrations"],
    summary="Receive Prometheus Alertmanager's webhook (version 4) for the integration with this key.",
    description="Stored, then processed after the answer: firing alerts open or join an incident, resolved "
    "ones may resolve it. Retries and repeats are deduplicated by fingerprint.",
    responses={
        202: inline_serializer(
            "AlertmanagerAccepted",
            {
                "status": serializers.CharField(),
                "event": serializers.IntegerField(),
                "alerts": serializers.IntegerField(),
            },
        ),
        **_errors(
            ErrorSerializer,
            **{
                "400": "Not JSON, or not an Alertmanager body: `fields.body` lists each problem.",
                "403": "The integration is inactive.",
                "404": "No Alertmanager integration has this key.",
                "413": f"The body is larger than {MAX_BODY_BYTES // 1024} KB.",
                "429": "Over the integration's rate limit: see Retry-After.",
            },
        ),
    },
)

events_v2_enqueue = _sender_endpoint(
    _events_v2_enqueue,
    operation_id="events_v2_enqueue",
    tags=["integrations"],
    summary="PagerDuty Events API v2 compatible: trigger, acknowledge or resolve an alert.",
    description="`routing_key` is an events_v2 integration's key; a trigger without `dedup_key` gets one, "
    "returned in the answer. Point a PagerDuty client's base URL at `<opsdesk>/events`.",
    responses={
        202: inline_serializer(
            "EventsV2Accepted",
            {
                "status": serializers.CharField(),
                "message": serializers.CharField(),
                "dedup_key": serializers.CharField(),
            },
        ),
        **_errors(
            _V2_ERROR,
            **{
                "400": "Invalid event, or unknown routing_key: `errors` lists each problem.",
                "413": f"The body is larger than {MAX_BODY_BYTES // 1024} KB.",
                "429": "Over the integration's rate limit: see Retry-After.",
            },
        ),
    },
)
