"""What the database says was owed to users and receivers, next to what the sinks received."""

from bench.measure import BREACH_KEY, one, rows

from .sinks import Tally


def missed_breach_notifications() -> int:
    """Breached resolution clocks with no breach notification at all."""
    return one(
        "SELECT count(*) FROM sla_slaclock c WHERE c.target = 'resolution' AND c.breached_at IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM notifications_notification n WHERE n.event_key = {BREACH_KEY})"
    )[0]


def outbox_counts(channel: str) -> dict[str, int]:
    return dict(
        rows(
            "SELECT status, count(*) FROM notifications_outboxmessage WHERE channel = %s GROUP BY 1",
            [channel],
        )
    )


def outbox_settled() -> bool:
    """No outbox message pending and no event waiting for its handlers."""
    return not one(
        "SELECT (SELECT count(*) FROM notifications_outboxmessage WHERE status = 'pending')"
        " + (SELECT count(*) FROM core_event WHERE dispatch_due_at IS NOT NULL)"
    )[0]


def email_figures(tally: Tally) -> dict[str, int]:
    """Emails the outbox holds vs the ones the SMTP sink received (keyed by recipient and subject)."""
    owed = {
        key
        for (key,) in rows(
            "SELECT (payload->>'to') || ' ' || (payload->>'subject') FROM notifications_outboxmessage"
            " WHERE channel = 'email'"
        )
    }
    counts = outbox_counts("email")
    return {
        "emails queued in the outbox": sum(counts.values()),
        "emails marked sent": counts.get("sent", 0),
        "emails still pending / dead": counts.get("pending", 0) + counts.get("dead", 0),
        "emails received by the SMTP sink": tally.received,
        "emails never received (missed)": len(owed - set(tally.counts)),
        "emails received more than once (duplicated)": tally.duplicated,
        "extra copies received": tally.received - tally.distinct,
        "extra copies with another Message-ID than the first (unrecognisable)": tally.unrecognisable,
    }


def webhook_figures(tally: Tally) -> dict[str, int]:
    """Webhooks the outbox holds vs the distinct deliveries the receiver saw (keyed by webhook-id)."""
    owed = {
        key
        for (key,) in rows(
            "SELECT payload->>'event_id' FROM notifications_outboxmessage WHERE channel = 'webhook'"
        )
    }
    counts = outbox_counts("webhook")
    return {
        "webhooks queued in the outbox": sum(counts.values()),
        "webhooks marked sent": counts.get("sent", 0),
        "webhooks still pending / dead": counts.get("pending", 0) + counts.get("dead", 0),
        "webhook POSTs received": tally.received,
        "webhooks never received": len(owed - set(tally.counts)),
        "webhooks received more than once": tally.duplicated,
    }
