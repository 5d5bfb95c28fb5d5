"""Delivering outbox messages: claim, send without holding a lock, record the result.

1. Claim, in a short transaction: lock the row with `SELECT ... FOR UPDATE SKIP LOCKED`, skip it
   unless it is pending and due, then `attempts += 1` and `next_attempt_at = now + lease` and
   commit. Nobody else sees it as due until the lease ends, and no lock is held while sending.
2. Send (SMTP or HTTP, bounded by timeouts shorter than the lease).
3. Record, in a second short transaction: a `DeliveryAttempt` log row, then `sent`, or a retry at
   `now + backoff(attempts)`, or `dead` after the last attempt. The attempt number taken at claim
   time is a fencing token: if the lease ran out and another worker re-claimed the message, a
   late failure is logged but does not touch the other worker's schedule.

A worker that dies between 1 and 3 leaves a claim that expires; the sweep then retries it (that
lost attempt counts, so a message that kills its worker cannot loop forever). Delivery is
therefore at least once: a receiver may, rarely, see an event twice and should dedupe on its id.
Retries are driven by the sweep (every few seconds), not by Celery retries or ETAs."""

import http.client
import logging
import random
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from smtplib import SMTPRecipientsRefused

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from . import conf, destinations, signing
from .models import DeliveryAttempt, OutboxMessage, WebhookSubscription

logger = logging.getLogger(__name__)

PENDING = OutboxMessage.Status.PENDING.value
SENT = OutboxMessage.Status.SENT.value
DEAD = OutboxMessage.Status.DEAD.value
USER_AGENT = "OpsDesk-Webhooks/1.0"
ERROR_MAX = 2000


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    permanent: bool = False  # retrying cannot help: dead now


def backoff_delay(attempt: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait after failed attempt number `attempt` (1-based): base * 2**(attempt-1), capped, minus
    up to `jitter` of it at random (jitter < 0.5 keeps the waits growing until the cap)."""
    base, cap = float(conf.get("BACKOFF_BASE")), float(conf.get("BACKOFF_CAP"))
    jitter = min(max(float(conf.get("BACKOFF_JITTER")), 0.0), 0.49)
    delay = min(base * 2 ** (max(attempt, 1) - 1), cap)
    return timedelta(seconds=delay * (1 - jitter * (rng or random).random()))


# --- claim / record ---------------------------------------------------------------------------


def claim(message_id: int) -> OutboxMessage | None:
    """Reserve a due pending message for this worker, or None (not due, not pending, locked)."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=PENDING, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return None
        if message.attempts >= conf.get("MAX_ATTEMPTS"):
            # The last attempt's worker never reported back (killed or lost): give up.
            message.status = DEAD
            message.last_error = (message.last_error + "\n" if message.last_error else "") + (
                f"Gave up: attempt {message.attempts} never reported a result (worker lost?)."
            )
            message.save(update_fields=["status", "last_error"])
            logger.warning("outbox: message %s dead after a lost final attempt", message.pk)
            return None
        message.attempts += 1
        message.next_attempt_at = now + timedelta(seconds=float(conf.get("CLAIM_LEASE")))
        message.save(update_fields=["attempts", "next_attempt_at"])
    message.claimed_at = now
    return message


def record(message: OutboxMessage, outcome: Outcome, *, duration_ms: int) -> str:
    """Log the attempt and move the message on; returns its status afterwards (or "stale")."""
    now = timezone.now()
    attempt = message.attempts
    with transaction.atomic():
        current = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        DeliveryAttempt.objects.create(
            message=current,
            attempt=attempt,
            attempted_at=getattr(message, "claimed_at", now),
            ok=outcome.ok,
            status_code=outcome.status_code,
            error=outcome.error[:ERROR_MAX],
            duration_ms=max(duration_ms, 0),
        )
        if current.status != PENDING:  # finished meanwhile (an admin, or a re-claim that succeeded)
            return str(current.status)
        if outcome.ok:  # delivered is delivered, even on an expired claim
            current.status, current.sent_at, current.last_error = SENT, now, ""
            current.save(update_fields=["status", "sent_at", "last_error"])
            return SENT
        if current.attempts != attempt:
            logger.warning("outbox: message %s attempt %s finished after its lease", current.pk, attempt)
            return "stale"
        current.last_error = outcome.error[:ERROR_MAX]
        if outcome.permanent or attempt >= conf.get("MAX_ATTEMPTS"):
            current.status = DEAD
            logger.warning("outbox: message %s dead after attempt %s: %s", current.pk, attempt, outcome.error)
        else:
            current.next_attempt_at = now + backoff_delay(attempt)
        current.save(update_fields=["status", "last_error", "next_attempt_at"])
        return str(current.status)


def deliver(message_id: int) -> str:
    """Claim, send and record one message: "sent", "pending" (will retry), "dead", "stale" or
    "skipped" (not due, not pending, or another worker has it). Safe to call any number of times."""
    message = claim(message_id)
    if message is None:
        return "skipped"
    started = time.monotonic()
    try:
        outcome = send(message)
    except Exception as exc:  # an unexpected failure must still be logged and backed off
        logger.exception("outbox: sending message %s failed unexpectedly", message.pk)
        outcome = Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
    return record(message, outcome, duration_ms=int((time.monotonic() - started) * 1000))


def sweep() -> dict[str, int]:
    """Deliver due pending messages, in bounded batches; several sweeps may run at once.

    Each message is claimed on its own just before it is sent (SKIP LOCKED + due check), so
    concurrent sweeps and nudged tasks share the work without sending anything twice, and a
    long batch never outlives its claims."""
    counts: dict[str, int] = {}
    batch_size = int(conf.get("SWEEP_BATCH_SIZE"))
    for _ in range(int(conf.get("SWEEP_MAX_BATCHES"))):
        due = list(
            OutboxMessage.objects.filter(status=PENDING, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:batch_size]
        )
        progressed = False
        for pk in due:
            result = deliver(pk)
            counts[result] = counts.get(result, 0) + 1
            progressed = progressed or result != "skipped"
        if len(due) < batch_size or not progressed:
            break
    return counts


def purge_sent(*, older_than: timedelta | None = None, batch_size: int = 1000) -> int:
    """Delete sent messages (and their log) older than the retention; dead ones stay for review."""
    older_than = older_than or timedelta(days=int(conf.get("RETENTION_DAYS")))
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(status=SENT, sent_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            DeliveryAttempt.objects.filter(message_id__in=ids).delete()
            OutboxMessage.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


# --- channels ---------------------------------------------------------------------------------


def send(message: OutboxMessage) -> Outcome:
    if message.channel == OutboxMessage.Channel.EMAIL:
        return send_email(message.payload)
    if message.channel == OutboxMessage.Channel.WEBHOOK:
        subscription = WebhookSubscription.objects.filter(pk=message.subscription_id).first()
        if subscription is None:
            return Outcome(ok=False, error="The webhook subscription was deleted.", permanent=True)
        if not subscription.active:
            return Outcome(ok=False, error="The webhook subscription is inactive.", permanent=True)
        return post_webhook(
            url=subscription.url,
            secret=subscription.secret,
            body=message.payload["body"].encode(),
            event_type=message.payload["event_type"],
            event_id=message.payload["event_id"],
        )
    return Outcome(ok=False, error=f"Unknown channel {message.channel!r}.", permanent=True)


def send_email(payload: dict) -> Outcome:
    """Through settings.EMAIL_BACKEND (console in dev, locmem in tests, SMTP in production)."""
    if not payload.get("to"):
        return Outcome(ok=False, error="No recipient address.", permanent=True)
    try:
        send_mail(
            payload["subject"],
            payload["body"],
            settings.DEFAULT_FROM_EMAIL,
            [payload["to"]],
            fail_silently=False,
        )
    except SMTPRecipientsRefused as exc:
        return Outcome(ok=False, error=f"Recipient refused: {exc.recipients}", permanent=True)
    except Exception as exc:  # SMTP and socket errors of every kind: retry later
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
    return Outcome(ok=True)


class _PinnedConnection(http.client.HTTPConnection):
    """Speaks HTTP to `host` (the Host header) but connects only to the checked `addresses`."""

    def __init__(self, host: str, port: int, *, addresses: tuple[str, ...], **kwargs):
        super().__init__(host, port, **kwargs)
        self._addresses = addresses
        self._create_connection = self._connect_checked

    def _connect_checked(self, address, timeout, source_address=None):
        error: OSError = OSError(f"No address to connect to for {self.host}.")
        for ip in self._addresses:  # in resolver order, like socket.create_connection
            try:
                return socket.create_connection((ip, address[1]), timeout, source_address)
            except OSError as exc:
                error = exc
        raise error


class _PinnedTLSConnection(_PinnedConnection, http.client.HTTPSConnection):
    """The same over TLS: SNI and the certificate check use the URL's host name, not the IP."""


def _open(destination: destinations.Destination, timeout: float) -> http.client.HTTPConnection:
    if destination.scheme == "https":
        return _PinnedTLSConnection(
            destination.host,
            destination.port,
            addresses=destination.addresses,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    return _PinnedConnection(
        destination.host, destination.port, addresses=destination.addresses, timeout=timeout
    )


def post_webhook(*, url: str, secret: str, body: bytes, event_type: str, event_id: str) -> Outcome:
    """POST the JSON body, signed for this attempt; 2xx is delivered, anything else (or no answer
    in time) is retried. Redirects are never followed. A destination that is not public (and not
    allowed by the operator) is refused before connecting: dead at once, since retrying cannot help."""
    try:
        destination = destinations.resolve(url)
    except destinations.Refused as exc:
        return Outcome(ok=False, error=str(exc), permanent=True)
    except OSError as exc:  # the name does not resolve (now): DNS may recover
        return Outcome(ok=False, error=f"Connection failed: cannot resolve the host name ({exc}).")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-OpsDesk-Event": event_type,
        "X-OpsDesk-Delivery": event_id,
        **signing.signature_headers(secret=secret, message_id=event_id, body=body, at=timezone.now()),
    }
    connection = _open(destination, float(conf.get("WEBHOOK_TIMEOUT")))
    try:
        try:
            connection.connect()
        except (TimeoutError, OSError) as exc:
            return Outcome(ok=False, error=f"Connection failed: {exc}")
        connection.request("POST", destination.path, body=body, headers=headers)
        response = connection.getresponse()
        code, reason = response.status, response.reason
        detail = response.read(500).decode("utf-8", "replace").strip()
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    if 200 <= code < 300:
        return Outcome(ok=True, status_code=code)
    if 300 <= code < 400:
        detail = f"redirects are not followed (Location: {response.getheader('Location', '')})"
    return Outcome(ok=False, status_code=code, error=f"HTTP {code} {reason}: {detail}".strip(" :"))
