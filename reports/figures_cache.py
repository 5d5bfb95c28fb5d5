"""A short cache of the SLA dashboard's computed figures (never of the rendered page): at 1M incidents
one computation takes ~0.8 s of a web worker, and managers open the same period again and again.

Kept in the cache every web process shares (`CACHES["shared"]`, Redis in production) for
`OPSDESK_DASHBOARD_CACHE_SECONDS` (default 60; 0 turns it off), keyed by everything the figures
depend on: the database, the time zone the days are cut in, the viewer's scope, the period, the
service and the page of each list. The page says "Figures as of HH:MM" (the computation's `now`).
If the cache cannot be reached, the figures are computed as if it were off."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from redis.exceptions import RedisError

from catalog.models import Service

from .breakdowns import sla_breakdowns
from .metrics import SlaMetrics, sla_metrics

logger = logging.getLogger(__name__)
CACHE_ALIAS = "shared"
VERSION = 1  # raise when the shape of the cached figures changes


@dataclass(frozen=True)
class DashboardFigures:
    metrics: SlaMetrics
    breakdowns: dict  # reports.breakdowns.sla_breakdowns


def viewer_scope(user) -> str:
    """The part of the viewer's permissions the figures depend on. Every role that may open the
    dashboard sees every incident (core.permissions.USE), so one scope serves them all; a role that
    may see only some incidents must get its own scope here."""
    return "all"


def _key(*, scope: str, start: datetime, end: datetime, service: Service | None, pages: tuple) -> str:
    parts = (
        "sla-dashboard",
        VERSION,
        settings.DATABASES["default"]["NAME"],
        timezone.get_current_timezone_name(),
        scope,
        start.isoformat(),
        end.isoformat(),
        service.pk if service else "all",
        *pages,
    )
    return ":".join(str(part) for part in parts)


def _fresh(figures: DashboardFigures, seconds: int) -> bool:
    """Computed less than `seconds` ago by this process's clock (the cache's own expiry also drops
    them, a little later)."""
    age = timezone.now() - figures.metrics.now
    return timedelta(0) <= age < timedelta(seconds=seconds)


def _compute(**kwargs) -> DashboardFigures:
    metrics = sla_metrics(**kwargs)
    breakdowns = sla_breakdowns(
        start=metrics.start, end=metrics.end, service=metrics.service, now=metrics.now
    )
    return DashboardFigures(metrics=metrics, breakdowns=breakdowns)


def dashboard_figures(
    *,
    scope: str,
    start: datetime,
    end: datetime,
    service: Service | None = None,
    breaches_page: int = 1,
    at_risk_page: int = 1,
) -> DashboardFigures:
    """The dashboard's figures (reports.metrics + reports.breakdowns), from the cache when they were
    computed less than OPSDESK_DASHBOARD_CACHE_SECONDS ago for the same key."""
    kwargs = {
        "start": start,
        "end": end,
        "service": service,
        "breaches_page": breaches_page,
        "at_risk_page": at_risk_page,
    }
    seconds = settings.OPSDESK_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return _compute(**kwargs)
    cache = caches[CACHE_ALIAS]
    key = _key(scope=scope, start=start, end=end, service=service, pages=(breaches_page, at_risk_page))
    try:
        found = cache.get(key)
    except RedisError:
        logger.warning("SLA dashboard cache unreachable; computing the figures", exc_info=True)
        return _compute(**kwargs)
    if found is not None and _fresh(found, seconds):
        return found
    figures = _compute(**kwargs)
    try:
        cache.set(key, figures, seconds + 5)
    except RedisError:
        logger.warning("SLA dashboard cache unreachable; figures not kept", exc_info=True)
    return figures
