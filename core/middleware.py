"""Every page in the signed-in user's time zone (core/profiles.py): templates' `date` filter, forms'
date-time fields and core.formatting.local_minute all follow the zone activated here. The API keeps
UTC (its instants carry their offset; tools convert)."""

from django.utils import timezone

from core.profiles import zone_of

API_PREFIX = "/api/"


class UserTimeZoneMiddleware:
    """After AuthenticationMiddleware. Costs no query: the user is loaded with their profile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(API_PREFIX):
            timezone.activate(zone_of(user))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
