"""What an e-mail says, per recipient: the notice's subject and body with every instant said in the
recipient's time zone (their profile, core/profiles.py), not the zone of whoever caused the event.
Notice texts say instants in UTC (core.formatting.utc_minute); `localize_instants` rewrites them."""

from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from core.formatting import localize_instants

from . import conf


def email_body(body: str, url: str) -> str:
    if not url:
        return body
    link = urljoin(conf.get("SITE_URL").rstrip("/") + "/", url)
    return f"{body}\n\n{link}" if body else link


def email_text(*, title: str, body: str, url: str, zone: ZoneInfo) -> dict[str, str]:
    """{"subject", "body"} of one recipient's e-mail."""
    return {
        "subject": localize_instants(f"[OpsDesk] {title}", zone),
        "body": localize_instants(email_body(body, url), zone),
    }
