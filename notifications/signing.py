"""Webhook signatures: the Standard Webhooks scheme (https://www.standardwebhooks.com).

Each delivery carries `webhook-id` (the event id, the same on every retry), `webhook-timestamp`
(Unix seconds of this attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`. A receiver verifies with any Standard Webhooks library and refuses
timestamps older than a few minutes, so a captured delivery cannot be replayed later.

Secrets are stored as the standard's `whsec_<base64 key>`. A secret given in another form (as
OpsDesk accepted before) is taken as the key's own UTF-8 bytes and stored in the standard form,
so the HMAC key stays the same; migration 0002 converted the secrets stored before."""

import base64
import binascii
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

PREFIX = "whsec_"
KEY_BYTES = 32  # generated keys; the standard recommends 24..64 bytes
KEY_MIN, KEY_MAX = 16, 200


def new_secret() -> str:
    return standard_secret(secrets.token_bytes(KEY_BYTES))


def standard_secret(secret: str | bytes) -> str:
    """`whsec_<base64>`: a `whsec_` string as given, anything else as the key's own bytes."""
    if isinstance(secret, str) and secret.startswith(PREFIX):
        return secret
    key = secret.encode() if isinstance(secret, str) else secret
    return PREFIX + base64.b64encode(key).decode("ascii")


def secret_problem(secret: str) -> str | None:
    """Why `secret` cannot be used as a signing secret, or None."""
    if not secret.startswith(PREFIX):
        key_length = len(secret.encode())
    else:
        try:
            key_length = len(base64.b64decode(secret[len(PREFIX) :], validate=True))
        except (binascii.Error, ValueError):
            return "A whsec_ secret must be whsec_ followed by base64."
    if not KEY_MIN <= key_length <= KEY_MAX:
        return f"The key must be {KEY_MIN} to {KEY_MAX} bytes long."
    return None


def signature_headers(*, secret: str, message_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt at time `at`."""
    at = at.astimezone(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(standard_secret(secret)).sign(message_id, at, body.decode()),
    }
