"""A short cache of the SLA dashboard's computed figures and the charts drawn from them (never of the
rendered page, which holds the viewer's name, menu and CSRF token): at 1M incidents
one computation takes ~0.8 s of a web worker, and managers open the same period again and again.

Kept in the cache every web process shares (`CACHES["shared"]`, Redis in production) for
`OPSDESK_DASHBOARD_CACHE_SECONDS` (default 60; 0 turns it off), keyed by everything the figures
depend on: the database, the time zone the days are cut in, the viewer's scope, the period, the
service and the page of each list. The page says "Figures as of HH:MM" (the computation's `now`).
Past the setting, one request recomputes while the others keep showing the older figures (no
stampede of 0.8 s computations when they expire under load). If the cache cannot be reached, the
figures are computed as if it were off."""

import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from redis.exceptions import RedisError

from catalog.models import Service

from . import charts
from .breakdowns import sla_breakdowns
from .metrics import SlaMetrics, sla_metrics

logger = logging.getLogger(__name__)
CACHE_ALIAS = "shared"
VERSION = 2  # raise when the shape of the cached figures changes
# Older figures stay in the cache for KEEP_FACTOR × the setting, to be shown while one request
# recomputes them; a recomputation that dies leaves its mark for RECOMPUTE_LIMIT seconds at most.
KEEP_FACTOR = 3
RECOMPUTE_LIMIT = 60


@dataclass(frozen=True)
class DashboardFigures:
    metrics: SlaMetrics
    breakdowns: dict  # reports.breakdowns.sla_breakdowns
    # reports.charts.dashboard_charts: drawn from the figures alone (nothing of the viewer), and drawing
    # the four SVGs costs more than rendering the rest of the page
    charts: dict


def viewer_scope(user) -> str:
    """The part of the viewer's permissions the figures depend on. Every role that may open the
    dashboard sees every incident (core.permissions.USE), so one scope serves them all; a role that
    may see only some incidents must get its own scope here."""
    return "all"


def figures_key(
    *,
    scope: str,
    start: datetime,
    end: datetime,
    service: Service | None = None,
    breaches_page: int = 1,
    at_risk_page: int = 1,
) -> str:
    """The cache key of the figures for these arguments of `dashboard_figures`."""
    parts = (
        "sla-dashboard",
        VERSION,
        settings.DATABASES["default"]["NAME"],
        timezone.get_current_timezone_name(),
        scope,
        start.isoformat(),
        end.isoformat(),
        service.pk if service else "all",
        breaches_page,
        at_risk_page,
    )
    return ":".join(str(part) for part in parts)


def recomputing_key(key: str) -> str:
    """Held (cache.add) by the one request that recomputes the figures of `key`."""
    return f"{key}:recomputing"


def _fresh(figures: DashboardFigures, seconds: int) -> bool:
    """Computed less than `seconds` ago by this process's clock."""
    age = timezone.now() - figures.metrics.now
    return timedelta(0) <= age < timedelta(seconds=seconds)


def _compute(**kwargs) -> DashboardFigures:
    metrics = sla_metrics(**kwargs)
    breakdowns = sla_breakdowns(
        start=metrics.start, end=metrics.end, service=metrics.service, now=metrics.now
    )
    return DashboardFigures(metrics=metrics, breakdowns=breakdowns, charts=charts.dashboard_charts(metrics))


def dashboard_figures(*, scope: str, **kwargs) -> DashboardFigures:
    """The dashboard's figures for `sla_metrics(**kwargs)` (start, end, service, breaches_page,
    at_risk_page), from the cache when they were computed less than OPSDESK_DASHBOARD_CACHE_SECONDS
    ago. Once they are older, one request recomputes them while the others keep showing the older
    ones (with their time), so a busy dashboard never recomputes one key in several workers at once."""
    seconds = settings.OPSDESK_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return _compute(**kwargs)
    cache = caches[CACHE_ALIAS]
    key = figures_key(scope=scope, **kwargs)
    try:
        found = cache.get(key)
        if found is not None and _fresh(found, seconds):
            return found
        # older figures: show them unless this request is the one to recompute
        if found is not None and not cache.add(recomputing_key(key), 1, RECOMPUTE_LIMIT):
            return found
    except RedisError:
        logger.warning("SLA dashboard cache unreachable; computing the figures", exc_info=True)
        return _compute(**kwargs)
    try:
        figures = _compute(**kwargs)
        _keep(cache, key, figures, KEEP_FACTOR * seconds)
    finally:
        if found is not None:
            with suppress(RedisError):  # else it expires after RECOMPUTE_LIMIT
                cache.delete(recomputing_key(key))
    return figures


def _keep(cache, key: str, figures: DashboardFigures, timeout: int) -> None:
    try:
        cache.set(key, figures, timeout)
    except RedisError:
        logger.warning("SLA dashboard cache unreachable; figures not kept", exc_info=True)
