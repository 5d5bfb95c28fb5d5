"""Delivery tuning, read from Django settings at call time (so tests can override them).

NOTIFICATIONS_MAX_ATTEMPTS       attempts before a message is marked dead (default 8)
NOTIFICATIONS_BACKOFF_BASE       seconds before the first retry; doubles each attempt (default 10)
NOTIFICATIONS_BACKOFF_CAP        longest wait between attempts, seconds (default 3600)
NOTIFICATIONS_BACKOFF_JITTER     fraction of each wait drawn at random, 0..0.5 (default 0.2)
NOTIFICATIONS_CLAIM_LEASE        seconds a claimed batch is reserved for its sender (default 60); a
                                 batch starts no send after half of it, so it must exceed twice the
                                 longest send (webhook total timeout, EMAIL_TIMEOUT)
NOTIFICATIONS_SWEEP_BATCH_SIZE   due messages claimed, sent (emails over one connection) and recorded
                                 per batch by the sweep (default 100)
NOTIFICATIONS_SWEEP_MAX_BATCHES  batches per sweep run, so one run is bounded (default 10)
NOTIFICATIONS_TASK_BUDGET_SECONDS  a delivery task claims no new batch and starts no new send after
                                 this many seconds (default 3; the first send of a run always starts):
                                 the rest is handed back untried and the task nudges its successor, so
                                 a backlog is drained by many short tasks, and a slow receiver never
                                 holds a worker for long (a worker shuts down promptly, other tasks on
                                 the `celery` queue get their turn)
NOTIFICATIONS_WEBHOOK_CONNECT_TIMEOUT  seconds to connect (TCP and TLS) to a webhook receiver (default 2)
NOTIFICATIONS_WEBHOOK_TIMEOUT    seconds to wait for each read of the receiver's answer (default 5)
NOTIFICATIONS_WEBHOOK_TOTAL_TIMEOUT  seconds one webhook call may take in all, connecting included,
                                 however its receiver trickles its answer (default 10)
NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS  private networks webhooks may target anyway, comma-separated
                                 CIDRs such as "10.0.0.0/8,192.168.1.0/24" (default none)
NOTIFICATIONS_SITE_URL           absolute base for links in emails (default http://127.0.0.1:8000)
NOTIFICATIONS_RETENTION_DAYS     sent messages older than this are purged (default 30)
"""

from django.conf import settings

DEFAULTS = {
    "MAX_ATTEMPTS": 8,
    "BACKOFF_BASE": 10.0,
    "BACKOFF_CAP": 3600.0,
    "BACKOFF_JITTER": 0.2,
    "CLAIM_LEASE": 60.0,
    "SWEEP_BATCH_SIZE": 100,
    "SWEEP_MAX_BATCHES": 10,
    "TASK_BUDGET_SECONDS": 3.0,
    "WEBHOOK_CONNECT_TIMEOUT": 2.0,
    "WEBHOOK_TIMEOUT": 5.0,
    "WEBHOOK_TOTAL_TIMEOUT": 10.0,
    "WEBHOOK_ALLOWED_NETWORKS": "",
    "SITE_URL": "http://127.0.0.1:8000",
    "RETENTION_DAYS": 30,
}


def get(name: str):
    return getattr(settings, f"NOTIFICATIONS_{name}", DEFAULTS[name])
