"""Reading what monitoring tools post: an Alertmanager webhook body (version 4) or a PagerDuty
Events API v2 event, validated and turned into plain `Signal`s (one per alert). Pure functions: no
database, so the endpoints can refuse bad input before storing anything, and processing reads the
stored body the same way."""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

FIRING, ACKNOWLEDGED, RESOLVED = "firing", "acknowledged", "resolved"
KEY_MAX = 255
GROUP_KEY_MAX = 900
SUMMARY_MAX = 1024
SEVERITY_MAX = 32
SOURCE_MAX = 255
EVENTS_V2_SEVERITIES = ("critical", "error", "warning", "info")
EVENTS_V2_ACTIONS = {"trigger": FIRING, "acknowledge": ACKNOWLEDGED, "resolve": RESOLVED}
ALERTMANAGER_ZERO_TIME = "0001-01-01T00:00:00Z"  # endsAt of a firing alert


class Invalid(Exception):
    """The body cannot be processed: `errors` is a list of "where: what" messages."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Signal:
    """What one alert says now."""

    key: str  # fingerprint / dedup_key: the alert's identity
    group_key: str  # which incident it belongs with (per the integration's grouping)
    status: str  # firing, acknowledged or resolved
    summary: str = ""
    severity: str = ""
    source: str = ""
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    links: list = field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    description: str = ""


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> object:
    """The body as JSON that PostgreSQL's jsonb can store (no NaN / Infinity, no NUL characters)."""
    if b"\\u0000" in raw:
        raise Invalid(["body: contains a NUL character (\\u0000), which cannot be stored"])
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise Invalid([f"body: not valid JSON ({str(exc)[:200]})"]) from exc
    except RecursionError as exc:
        raise Invalid(["body: nested too deeply"]) from exc


def _time(value, where: str, errors: list[str]) -> datetime | None:
    if value in (None, "", ALERTMANAGER_ZERO_TIME):
        return None
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            parsed = None
    if parsed is None:
        errors.append(f"{where}: not an RFC 3339 date-time: {str(value)[:60]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year < 1970:
        return None
    return parsed


def _string_map(value, where: str, errors: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        errors.append(f"{where}: must be an object of strings")
        return {}
    return value


def _short_key(value: str) -> str:
    if len(value) <= GROUP_KEY_MAX:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def _web_link(href) -> bool:
    """Only http(s) links are kept: a sender must not plant `javascript:` on the incident page."""
    return isinstance(href, str) and href.lower().startswith(("http://", "https://"))


def _labels_fingerprint(labels: dict) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


# --- Alertmanager webhook, version 4 ----------------------------------------------------------


def alertmanager_signals(body: object, *, by_group: bool) -> list[Signal]:
    """One signal per alert of the body; `by_group`: group by the body's groupKey, else per alert
    fingerprint. Raises Invalid listing every problem found."""
    if not isinstance(body, dict):
        raise Invalid(["body: must be a JSON object"])
    errors: list[str] = []
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise Invalid(["alerts: must be a non-empty list"])
    group_key = body.get("groupKey")
    if by_group and not (isinstance(group_key, str) and group_key):
        errors.append("groupKey: required (a non-empty string) to group alerts")
    external_url = body.get("externalURL") if isinstance(body.get("externalURL"), str) else ""
    common_annotations = (
        body.get("commonAnnotations") if isinstance(body.get("commonAnnotations"), dict) else {}
    )
    signals = []
    for index, alert in enumerate(alerts):
        where = f"alerts[{index}]"
        if not isinstance(alert, dict):
            errors.append(f"{where}: must be an object")
            continue
        status = alert.get("status")
        if status not in (FIRING, RESOLVED):
            errors.append(f"{where}.status: must be 'firing' or 'resolved'")
        labels = _string_map(alert.get("labels"), f"{where}.labels", errors)
        annotations = _string_map(alert.get("annotations"), f"{where}.annotations", errors)
        fingerprint = alert.get("fingerprint")
        if fingerprint is not None and not (isinstance(fingerprint, str) and 0 < len(fingerprint) <= KEY_MAX):
            errors.append(f"{where}.fingerprint: must be a string of 1 to {KEY_MAX} characters")
            fingerprint = None
        if not fingerprint and not labels:
            errors.append(f"{where}: needs a fingerprint or labels to tell it apart")
        starts_at = _time(alert.get("startsAt"), f"{where}.startsAt", errors)
        ends_at = _time(alert.get("endsAt"), f"{where}.endsAt", errors)
        key = fingerprint or _labels_fingerprint(labels)
        links = []
        if _web_link(alert.get("generatorURL")):
            links.append({"href": alert["generatorURL"], "text": "Source"})
        if _web_link(external_url):
            links.append({"href": external_url, "text": "Alertmanager"})
        summary = (annotations.get("summary") or "").strip() or (labels.get("alertname") or "").strip() or key
        description = annotations.get("description") or common_annotations.get("description", "")
        signals.append(
            Signal(
                key=key,
                group_key=_short_key(group_key) if by_group and isinstance(group_key, str) else key,
                status=status,
                summary=summary[:SUMMARY_MAX],
                severity=labels.get("severity", "")[:SEVERITY_MAX],
                source=(labels.get("instance", "") or labels.get("job", ""))[:SOURCE_MAX],
                labels=labels,
                annotations=annotations,
                links=links,
                starts_at=starts_at,
                ends_at=ends_at if status == RESOLVED else None,
                description=description,
            )
        )
    if errors:
        raise Invalid(errors)
    return signals


# --- PagerDuty Events API v2 ----------------------------------------------------------------


def events_v2_normalise(body: object) -> dict:
    """Check an Events API v2 event and return it with a `dedup_key` (generated for a trigger
    without one: the sender learns it from the answer). Raises Invalid with PagerDuty-style errors."""
    if not isinstance(body, dict):
        raise Invalid(["Event object is invalid"])
    errors: list[str] = []
    if not isinstance(body.get("routing_key"), str) or not body.get("routing_key"):
        errors.append("'routing_key' is missing or blank")
    action = body.get("event_action")
    if action not in EVENTS_V2_ACTIONS:
        errors.append("'event_action' must be one of: trigger, acknowledge, resolve")
    dedup_key = body.get("dedup_key")
    if dedup_key is not None and not (isinstance(dedup_key, str) and 0 < len(dedup_key) <= KEY_MAX):
        errors.append(f"'dedup_key' must be a string of 1 to {KEY_MAX} characters")
    elif dedup_key is None and action in ("acknowledge", "resolve"):
        errors.append(f"'dedup_key' is required to {action}")
    if action == "trigger":
        payload = body.get("payload")
        if not isinstance(payload, dict):
            errors.append("'payload' is missing or not an object")
        else:
            for name in ("summary", "source"):
                if not isinstance(payload.get(name), str) or not payload[name].strip():
                    errors.append(f"'payload.{name}' is missing or blank")
            if isinstance(payload.get("summary"), str) and len(payload["summary"]) > SUMMARY_MAX:
                errors.append(f"'payload.summary' is longer than {SUMMARY_MAX} characters")
            if payload.get("severity") not in EVENTS_V2_SEVERITIES:
                errors.append("'payload.severity' must be one of: " + ", ".join(EVENTS_V2_SEVERITIES))
            _time(payload.get("timestamp"), "'payload.timestamp'", errors)
            details = payload.get("custom_details")
            if details is not None and not isinstance(details, dict | str):
                errors.append("'payload.custom_details' must be an object or a string")
    for name in ("links", "images"):
        if body.get(name) is not None and not (
            isinstance(body[name], list) and all(isinstance(item, dict) for item in body[name])
        ):
            errors.append(f"'{name}' must be a list of objects")
    if errors:
        raise Invalid(errors)
    return {**body, "dedup_key": dedup_key or uuid.uuid4().hex}


def events_v2_signal(event: dict) -> Signal:
    """The signal of a normalised event (events_v2_normalise)."""
    action = EVENTS_V2_ACTIONS[event["event_action"]]
    key = event["dedup_key"]
    if action != FIRING:
        return Signal(key=key, group_key=key, status=action)
    payload = event["payload"]
    labels = {
        name: str(payload[name]) for name in ("source", "component", "group", "class") if payload.get(name)
    }
    labels["severity"] = payload["severity"]
    details = payload.get("custom_details")
    annotations = {"summary": payload["summary"]}
    if details:
        annotations["custom_details"] = details if isinstance(details, str) else json.dumps(details, indent=1)
    links = [
        {"href": str(link.get("href", "")), "text": str(link.get("text", "") or link.get("href", ""))}
        for link in event.get("links") or []
        if _web_link(link.get("href"))
    ]
    links += [
        {"href": str(image["src"]), "text": str(image.get("alt", "") or "Image")}
        for image in event.get("images") or []
        if _web_link(image.get("src"))
    ]
    return Signal(
        key=key,
        group_key=key,
        status=FIRING,
        summary=payload["summary"].strip(),
        severity=payload["severity"],
        source=payload["source"][:SOURCE_MAX],
        labels=labels,
        annotations=annotations,
        links=links,
        starts_at=_time(payload.get("timestamp"), "timestamp", []),
        description=annotations.get("custom_details", ""),
    )
