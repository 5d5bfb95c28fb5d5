"""Each user's preferences (today: their time zone), a row keyed to the user, created on first save.

A user without a row, or whose stored zone is no longer known, reads times in the default zone
(`OPSDESK_DEFAULT_USER_TZ`, else `TIME_ZONE`). The zone costs no query per request: the
authentication backend loads the row with the user (`ProfileBackendMixin`), and e-mails look up
all their recipients' zones at once (`zones_of`)."""

import zoneinfo
from collections.abc import Iterable
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone

from core.validation import FieldErrors

PROFILE = "profile"  # the user's related name for their row
# Names in the IANA database that are no place to live in ("localtime" is the machine's own zone).
_NOT_PLACES = {"Factory", "localtime", "posixrules", "posix/Factory"}


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name=PROFILE
    )
    time_zone = models.CharField(
        max_length=64, help_text="IANA time zone every time is shown in, e.g. Europe/Berlin."
    )

    def __str__(self) -> str:
        return f"{self.user_id}: {self.time_zone}"


@cache
def time_zone_names() -> tuple[str, ...]:
    """The zones a user may choose (zoneinfo.available_timezones()), sorted."""
    return tuple(sorted(name for name in zoneinfo.available_timezones() if name not in _NOT_PLACES))


def default_time_zone_name() -> str:
    return getattr(settings, "OPSDESK_DEFAULT_USER_TZ", "") or settings.TIME_ZONE


@cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name in time_zone_names() else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def zone_named(name: str | None) -> ZoneInfo:
    """The zone of that name, else the default zone."""
    return (name and _zone(name)) or _zone(default_time_zone_name()) or timezone.get_default_timezone()


def _relation(user: AbstractBaseUser):
    return user._meta.get_field(PROFILE)


def _stored_name(user: AbstractBaseUser) -> str | None:
    profile = getattr(user, PROFILE, None)  # None: no row (select_related caches that too)
    return profile.time_zone if profile else None


def zone_of(user: AbstractBaseUser) -> ZoneInfo:
    """The user's zone (one query unless their profile came with them, see ProfileBackendMixin)."""
    if not getattr(user, "is_authenticated", False):
        return zone_named(None)
    return zone_named(_stored_name(user))


def zones_of(users: Iterable[AbstractBaseUser]) -> dict[int, ZoneInfo]:
    """{user id: zone}; one query for the users whose profile was not loaded with them, if any."""
    names, missing = {}, []
    for user in users:
        if _relation(user).is_cached(user):
            names[user.pk] = _stored_name(user)
        else:
            missing.append(user.pk)
    if missing:
        stored = dict(UserProfile.objects.filter(user_id__in=missing).values_list("user_id", "time_zone"))
        names.update({pk: stored.get(pk) for pk in missing})
    return {pk: zone_named(name) for pk, name in names.items()}


def profile_update(*, user: AbstractBaseUser, time_zone: str) -> UserProfile:
    """Set the user's time zone; InvalidInput (400) naming the field when it is not a known zone."""
    errors = FieldErrors()
    name = (time_zone or "").strip()
    if name not in time_zone_names():
        errors.add("time_zone", f"'{name}' is not a time zone. Choose one such as Europe/Berlin or UTC.")
    errors.raise_if_any()
    with transaction.atomic():
        profile, _ = UserProfile.objects.update_or_create(user=user, defaults={"time_zone": name})
    _relation(user).set_cached_value(user, profile)
    return profile


class ProfileBackendMixin:
    """For an authentication backend: the signed-in user comes with their profile and their roles
    (core.roles) in one plain statement (core/signed_in.py), not a query each per request."""

    def get_user(self, user_id):
        from core.signed_in import user_by_id  # imports this module

        user = user_by_id(user_id)
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None
