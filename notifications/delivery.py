"""Delivering outbox messages in batches: claim, send without holding a lock, record the results.

1. Claim, in one short transaction: lock a bounded batch of due pending messages with
   `SELECT ... FOR UPDATE SKIP LOCKED`, then `attempts += 1` and `next_attempt_at = now + lease`
   for all of them in one UPDATE, and commit. Nobody else sees them as due until the lease ends,
   and no lock is held while sending.
2. Send: the batch's emails first, over one SMTP connection, then its webhooks, one HTTP request
   each (bounded by a connect timeout, a per-read timeout and a total deadline for the whole call,
   all shorter than the lease). Nothing new is started after half the lease, nor after the task's
   time budget (TASK_BUDGET_SECONDS; the first send always starts): the rest of the batch is
   handed back (attempt not counted, due again at once), and the sweep task nudges a successor.
3. Record. A message the server accepted is recorded `sent` at once, in one statement (its log row
   too), right after the SMTP server or webhook receiver said yes and before the next send starts:
   a worker killed later in the batch cannot make it be sent again. The rest (failures, and messages handed
   back untried) are recorded together after the batch, in a constant number of statements: the
   `DeliveryAttempt` log rows in one INSERT, then per message a retry at `now + backoff(attempts)`,
   `dead` after the last attempt, or due again at once (handed back), in one UPDATE. The attempt
   number taken at claim time is a fencing token: if the lease ran out and another worker
   re-claimed the message, a late failure is logged but does not touch the other worker's schedule.

A worker that dies mid-batch leaves claims that expire; the sweep then resumes the batch: only the
messages not yet recorded `sent` are claimed again (that lost attempt counts, so a message that
kills its worker cannot loop forever). What can still go out twice is the one message whose send
was accepted in the instant before its worker died, ahead of its record. Delivery is therefore at
least once, and every copy is recognisable: an email carries a Message-ID derived from its dedupe
key, a webhook its event id (`webhook-id`, `X-OpsDesk-Delivery`), the same on every attempt.
Retries are driven by the sweep (every few seconds), not by Celery retries or ETAs. A single new
message is nudged on its own (`deliver`, a batch of one) so it goes out at once."""

import contextlib
import hashlib
import http.client
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from smtplib import SMTPRecipientsRefused
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from core.bulk import update_rows

from . import conf, destinations, signing
from .models import DeliveryAttempt, OutboxMessage, WebhookSubscription

logger = logging.getLogger(__name__)

PENDING = OutboxMessage.Status.PENDING.value
SENT = OutboxMessage.Status.SENT.value
DEAD = OutboxMessage.Status.DEAD.value
EMAIL = OutboxMessage.Channel.EMAIL.value
WEBHOOK = OutboxMessage.Channel.WEBHOOK.value
USER_AGENT = "OpsDesk-Webhooks/1.0"
ERROR_MAX = 2000
CLAIMED_FIELDS = ["status", "last_error", "attempts", "next_attempt_at"]
RECORDED_FIELDS = ["status", "sent_at", "last_error", "attempts", "next_attempt_at"]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    permanent: bool = False  # retrying cannot help: dead now


@dataclass(frozen=True)
class Result:
    """What sending did with one claimed message; `outcome` None: not tried (handed back)."""

    message: OutboxMessage
    outcome: Outcome | None
    duration_ms: int = 0
    attempted_at: datetime | None = None  # when this send started (default: the claim's time)


def backoff_delay(attempt: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait after failed attempt number `attempt` (1-based): base * 2**(attempt-1), capped, minus
    up to `jitter` of it at random (jitter < 0.5 keeps the waits growing until the cap)."""
    base, cap = float(conf.get("BACKOFF_BASE")), float(conf.get("BACKOFF_CAP"))
    jitter = min(max(float(conf.get("BACKOFF_JITTER")), 0.0), 0.49)
    delay = min(base * 2 ** (max(attempt, 1) - 1), cap)
    return timedelta(seconds=delay * (1 - jitter * (rng or random).random()))


# --- claim / record ---------------------------------------------------------------------------


def claim_batch(
    *, limit: int, ids: Iterable[int] | None = None
) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
    """Reserve up to `limit` due pending messages (of `ids` if given) for this worker, soonest
    first, skipping rows another worker holds; returns them, and the ones given up instead (dead:
    their last attempt's worker never reported back). Constant statements, whatever `limit`."""
    now = timezone.now()
    max_attempts = int(conf.get("MAX_ATTEMPTS"))
    lease = now + timedelta(seconds=float(conf.get("CLAIM_LEASE")))
    due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
        status=PENDING, next_attempt_at__lte=now
    )
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    with transaction.atomic():
        rows = list(due.order_by("next_attempt_at", "id")[:limit])
        claimed, given_up = [], []
        for message in rows:
            if message.attempts >= max_attempts:
                message.status = DEAD
                message.last_error = (message.last_error + "\n" if message.last_error else "") + (
                    f"Gave up: attempt {message.attempts} never reported a result (worker lost?)."
                )
                logger.warning("outbox: message %s dead after a lost final attempt", message.pk)
                given_up.append(message)
                continue
            message.attempts += 1
            message.next_attempt_at = lease
            message.claimed_at = now
            claimed.append(message)
        update_rows(rows, CLAIMED_FIELDS)
    return claimed, given_up


def claim(message_id: int) -> OutboxMessage | None:
    """Reserve one due pending message, or None (not due, not pending, locked, or given up)."""
    claimed, _ = claim_batch(limit=1, ids=[message_id])
    return claimed[0] if claimed else None


def record_batch(results: list[Result]) -> dict[int, str]:
    """Log the attempts and move the messages on, in three statements whatever their number;
    returns each message's status afterwards (or "stale", or "deferred" when handed back)."""
    if not results:
        return {}
    now = timezone.now()
    with transaction.atomic():
        current = OutboxMessage.objects.select_for_update().filter(pk__in=[r.message.pk for r in results])
        current = current.only(*RECORDED_FIELDS).order_by("id").in_bulk()
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                message_id=result.message.pk,
                attempt=result.message.attempts,
                attempted_at=result.attempted_at or getattr(result.message, "claimed_at", now),
                ok=result.outcome.ok,
                status_code=result.outcome.status_code,
                error=result.outcome.error[:ERROR_MAX],
                duration_ms=max(result.duration_ms, 0),
            )
            for result in results
            if result.outcome is not None and result.message.pk in current
        )
        statuses, changed = {}, []
        for result in results:
            row = current.get(result.message.pk)
            if row is None:  # deleted meanwhile (purged by an admin): nothing to move on
                statuses[result.message.pk] = "stale"
                continue
            statuses[row.pk], moved = _move_on(row, result, now=now)
            if moved:
                changed.append(row)
        update_rows(changed, RECORDED_FIELDS)
    return statuses


def _move_on(row: OutboxMessage, result: Result, *, now: datetime) -> tuple[str, bool]:
    """Apply one result to the locked row `row` (in memory); returns the result word and whether
    the row changed."""
    attempt, outcome = result.message.attempts, result.outcome
    if row.status != PENDING:  # finished meanwhile (an admin, or a re-claim that succeeded)
        return str(row.status), False
    if outcome is not None and outcome.ok:  # delivered is delivered, even on an expired claim
        row.status, row.sent_at, row.last_error = SENT, now, ""
        return SENT, True
    if row.attempts != attempt:
        logger.warning("outbox: message %s attempt %s finished after its lease", row.pk, attempt)
        return "stale", False
    if outcome is None:  # not tried: hand it back without counting the attempt
        row.attempts, row.next_attempt_at = attempt - 1, now
        return "deferred", True
    row.last_error = outcome.error[:ERROR_MAX]
    if outcome.permanent or attempt >= conf.get("MAX_ATTEMPTS"):
        row.status = DEAD
        logger.warning("outbox: message %s dead after attempt %s: %s", row.pk, attempt, outcome.error)
    else:
        row.next_attempt_at = now + backoff_delay(attempt)
    return str(row.status), True


def record(message: OutboxMessage, outcome: Outcome, *, duration_ms: int) -> str:
    """Log one attempt and move its message on; returns its status afterwards (or "stale")."""
    return record_batch([Result(message, outcome, duration_ms)])[message.pk]


def deliver_batch(
    *, limit: int, ids: Iterable[int] | None = None, stop_at: float | None = None
) -> dict[int, str]:
    """Claim, send and record one batch; returns each message's result ("sent", "pending" (will
    retry), "dead", "stale" or "deferred"). Safe to call any number of times, from any worker.
    After `stop_at` (time.monotonic()) no further send starts: the rest is "deferred"."""
    claimed, given_up = claim_batch(limit=limit, ids=ids)
    statuses: dict[int, str] = {}
    unsent = []  # failures and messages handed back: recorded together after the batch
    for result in send_batch(claimed, stop_at=stop_at):
        if result.outcome is not None and result.outcome.ok:
            statuses.update(record_sent(result))  # before the next send starts
        else:
            unsent.append(result)
    statuses.update(record_batch(unsent))
    statuses.update((message.pk, DEAD) for message in given_up)
    return statuses


_RECORD_SENT_SQL = """
WITH moved AS (
    UPDATE {message} SET status = %(sent)s, sent_at = %(now)s, last_error = ''
    WHERE id = %(id)s AND status = %(pending)s
    RETURNING id
), logged AS (
    INSERT INTO {attempt} (message_id, attempt, attempted_at, ok, status_code, error, duration_ms)
    SELECT id, %(attempt)s, %(attempted_at)s, true, %(status_code)s, '', %(duration_ms)s
    FROM {message} WHERE id = %(id)s
)
SELECT status, EXISTS (SELECT 1 FROM moved) FROM {message} WHERE id = %(id)s
"""


def record_sent(result: Result) -> dict[int, str]:
    """Record one accepted send at once, before the next send starts, so a worker that dies later in
    its batch cannot make the sweep send this message again: its attempt row and `sent` (delivered
    is delivered, even on an expired claim; a message finished meanwhile keeps its status), in one
    statement, so one round trip and atomic on its own. Returns {id: status}, or "stale" (deleted)."""
    message = result.message
    sql = _RECORD_SENT_SQL.format(
        message=db_connection.ops.quote_name(OutboxMessage._meta.db_table),
        attempt=db_connection.ops.quote_name(DeliveryAttempt._meta.db_table),
    )
    params = {
        "id": message.pk,
        "sent": SENT,
        "pending": PENDING,
        "now": timezone.now(),
        "attempt": message.attempts,
        "attempted_at": result.attempted_at or getattr(message, "claimed_at", timezone.now()),
        "status_code": result.outcome.status_code,
        "duration_ms": max(result.duration_ms, 0),
    }
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # deleted meanwhile (purged by an admin)
        return {message.pk: "stale"}
    status, moved = row
    return {message.pk: SENT if moved else status}


def deliver(message_id: int) -> str:
    """Deliver one message now (the nudge after the commit that wrote it): "sent", "pending",
    "dead", "stale", "deferred" or "skipped" (not due, not pending, or another worker has it)."""
    return deliver_batch(limit=1, ids=[message_id]).get(message_id, "skipped")


@dataclass(frozen=True)
class SweepRun:
    counts: dict[str, int]  # messages per result ("sent", "pending", "dead", "deferred", ...)
    more: bool  # stopped with messages still due (budget spent): worth another run at once


def sweep_run(*, budget: float | None = None) -> SweepRun:
    """Deliver due pending messages, in bounded batches, for at most `budget` seconds
    (TASK_BUDGET_SECONDS): no batch is claimed and no send started after it (the first send of a run
    always starts, so every run makes progress), and what is left is handed back untried. Several
    sweeps may run at once (SKIP LOCKED: each batch is claimed just before it is sent, so none
    outlives its claims). A backlog is drained by many short runs, each nudging the next."""
    counts: dict[str, int] = {}
    batch_size = int(conf.get("SWEEP_BATCH_SIZE"))
    budget = float(conf.get("TASK_BUDGET_SECONDS") if budget is None else budget)
    stop_at = time.monotonic() + budget
    for _ in range(int(conf.get("SWEEP_MAX_BATCHES"))):
        statuses = deliver_batch(limit=batch_size, stop_at=stop_at)
        for status in statuses.values():
            counts[status] = counts.get(status, 0) + 1
        handed_back = "deferred" in statuses.values()
        if len(statuses) < batch_size and not handed_back:
            return SweepRun(counts, more=False)  # nothing more was due
        if handed_back or time.monotonic() >= stop_at:
            return SweepRun(counts, more=True)
    return SweepRun(counts, more=True)  # SWEEP_MAX_BATCHES full batches: there may be more


def sweep() -> dict[str, int]:
    """One bounded sweep run (see `sweep_run`); returns its counts."""
    return sweep_run().counts


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


def email_message_id(dedupe_key: str) -> str:
    """A Message-ID (RFC 5322) that is the same for every attempt at one outbox email, on any worker:
    a hash of its dedupe key at the host name of OPSDESK_SITE_URL, so a copy sent again after a
    worker died mid-send is recognisable (mail clients and archives drop repeated Message-IDs)."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]
    domain = urlsplit(str(conf.get("SITE_URL"))).hostname or "opsdesk.invalid"
    return f"<opsdesk.{digest}@{domain}>"


class Senders:
    """What one batch shares: one mail connection (opened at the batch's first email, reopened
    after a failure that may have broken it) and the webhook subscriptions (one query)."""

    def __init__(self, messages: list[OutboxMessage]):
        wanted = {m.subscription_id for m in messages if m.channel == WEBHOOK and m.subscription_id}
        self.subscriptions = WebhookSubscription.objects.in_bulk(wanted) if wanted else {}
        self._mail = None
        self._mail_down: Outcome | None = None  # the server refused a connection: the rest wait

    def mail(self):
        if self._mail is None:
            mail = get_connection(fail_silently=False)
            mail.open()  # raises when the server is unreachable
            self._mail = mail
        return self._mail

    def send_email(self, message: OutboxMessage) -> Outcome:
        """Through settings.EMAIL_BACKEND (console in dev, locmem in tests, SMTP in production), with
        a Message-ID derived from the message's dedupe key: every copy of it carries the same one."""
        payload = message.payload
        if not payload.get("to"):
            return Outcome(ok=False, error="No recipient address.", permanent=True)
        if self._mail_down:
            return self._mail_down
        try:
            mail = self.mail()
        except Exception as exc:  # SMTP and socket errors of every kind: retry later
            self._mail_down = Outcome(ok=False, error=f"Connection failed: {type(exc).__name__}: {exc}")
            return self._mail_down
        email = EmailMessage(
            payload["subject"],
            payload["body"],
            settings.DEFAULT_FROM_EMAIL,
            [payload["to"]],
            connection=mail,
            headers={"Message-ID": email_message_id(message.dedupe_key)},
        )
        try:
            email.send()
        except SMTPRecipientsRefused as exc:  # the connection stays usable (smtplib reset it)
            return Outcome(ok=False, error=f"Recipient refused: {exc.recipients}", permanent=True)
        except Exception as exc:  # SMTP and socket errors of every kind: retry later, on a new connection
            self.close()
            return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
        return Outcome(ok=True)

    def close(self) -> None:
        mail, self._mail = self._mail, None
        if mail is not None:
            with contextlib.suppress(Exception):  # a broken connection: nothing left to close
                mail.close()


def send_batch(messages: list[OutboxMessage], *, stop_at: float | None = None) -> Iterator[Result]:
    """Send claimed messages, emails first (one connection), then webhooks, yielding each result
    as soon as it is known (the caller records a success before the next send starts); after half
    the claim lease, or after `stop_at` (the task's budget, time.monotonic(); the batch's first send
    always starts), nothing new is started, and the rest come back untried (outcome None)."""
    deadline = time.monotonic() + float(conf.get("CLAIM_LEASE")) / 2
    if stop_at is not None:
        deadline = min(deadline, stop_at)
    senders = Senders(messages)
    started_any = False
    try:
        for message in sorted(messages, key=lambda m: m.channel != EMAIL):  # stable: due order kept
            if started_any and time.monotonic() > deadline:
                yield Result(message, None)
                continue
            started_any = True
            started, attempted_at = time.monotonic(), timezone.now()
            try:
                outcome = send(message, senders)
            except Exception as exc:  # an unexpected failure must still be logged and backed off
                logger.exception("outbox: sending message %s failed unexpectedly", message.pk)
                outcome = Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
            duration_ms = int((time.monotonic() - started) * 1000)
            yield Result(message, outcome, duration_ms, attempted_at)
    finally:
        senders.close()


def send(message: OutboxMessage, senders: Senders) -> Outcome:
    if message.channel == EMAIL:
        return senders.send_email(message)
    if message.channel == WEBHOOK:
        subscription = senders.subscriptions.get(message.subscription_id)
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


class _PinnedConnection(http.client.HTTPConnection):
    """Speaks HTTP to `host` (the Host header) but connects only to the checked `addresses`."""

    def __init__(self, host: str, port: int, *, addresses: tuple[str, ...], deadline: float, **kwargs):
        super().__init__(host, port, **kwargs)
        self._addresses = addresses
        self._deadline = deadline  # time.monotonic() by which the whole call must be over
        self._create_connection = self._connect_checked

    def _connect_checked(self, address, timeout, source_address=None):
        error: OSError = OSError(f"No address to connect to for {self.host}.")
        for ip in self._addresses:  # in resolver order, like socket.create_connection
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out (total deadline)")
            try:
                return socket.create_connection((ip, address[1]), min(timeout, remaining), source_address)
            except OSError as exc:
                error = exc
        raise error


class _Deadline:
    """Ends a webhook call at its total deadline, whatever it is waiting for: socket timeouts bound
    each read, so a receiver that trickles a byte now and then could hold a worker for ever (as with
    http.client, urllib3, requests and httpx alike: their timeouts are all per socket operation). A
    timer thread shuts the connection's socket down at the deadline; the blocked read then fails."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self.connection = connection
        self.expired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: the call is over anyway
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the descriptor, under any TLS layer

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()


class _PinnedTLSConnection(_PinnedConnection, http.client.HTTPSConnection):
    """The same over TLS: SNI and the certificate check use the URL's host name, not the IP."""


def _open(
    destination: destinations.Destination, timeout: float, deadline: float
) -> http.client.HTTPConnection:
    pinned = {"addresses": destination.addresses, "deadline": deadline, "timeout": timeout}
    if destination.scheme == "https":
        return _PinnedTLSConnection(
            destination.host, destination.port, context=ssl.create_default_context(), **pinned
        )
    return _PinnedConnection(destination.host, destination.port, **pinned)


def post_webhook(*, url: str, secret: str, body: bytes, event_type: str, event_id: str) -> Outcome:
    """POST the JSON body, signed for this attempt; 2xx is delivered, anything else (or no answer
    in time) is retried. Redirects are never followed. A destination that is not public (and not
    allowed by the operator) is refused before connecting: dead at once, since retrying cannot help.
    Time: the connect timeout bounds connecting, the read timeout each read, and WEBHOOK_TOTAL_TIMEOUT
    the whole call (a 2xx status line is enough: the answer's body is read only to explain an error)."""
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
    total = float(conf.get("WEBHOOK_TOTAL_TIMEOUT"))
    connection = _open(destination, float(conf.get("WEBHOOK_CONNECT_TIMEOUT")), time.monotonic() + total)
    code, reason, detail = None, "", ""
    with _Deadline(connection, total) as deadline:
        try:
            try:
                connection.connect()  # TCP and TLS, bounded by the connect timeout
            except (TimeoutError, OSError) as exc:
                return Outcome(ok=False, error=f"Connection failed: {_late(deadline, total) or exc}")
            connection.sock.settimeout(float(conf.get("WEBHOOK_TIMEOUT")))  # each send and read from now on
            connection.request("POST", destination.path, body=body, headers=headers)
            response = connection.getresponse()
            if deadline.expired:  # cut off: what was parsed may be a truncated head
                return Outcome(ok=False, error=_late(deadline, total))
            code, reason = response.status, response.reason
            if not 200 <= code < 300:
                detail = response.read(500).decode("utf-8", "replace").strip()
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            if code is None:
                return Outcome(ok=False, error=_late(deadline, total) or f"{type(exc).__name__}: {exc}")
            detail = _late(deadline, total) or detail  # the status came; its explanation did not
        finally:
            connection.close()
    if 200 <= code < 300:
        return Outcome(ok=True, status_code=code)
    if 300 <= code < 400:
        detail = f"redirects are not followed (Location: {response.getheader('Location', '')})"
    return Outcome(ok=False, status_code=code, error=f"HTTP {code} {reason}: {detail}".strip(" :"))


def _late(deadline: _Deadline, total: float) -> str:
    """The error to report when the total deadline ended the call, else ""."""
    return f"TimeoutError: no complete answer within {total:g} s (total timeout)" if deadline.expired else ""
