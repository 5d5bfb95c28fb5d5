"""API authentication: DRF's token scheme, reading the user's roles in the same statement. Kept apart from
the token view (core/api/auth.py) so settings can name it without importing DRF's views."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core import signed_in


class TokenWithRolesAuthentication(TokenAuthentication):
    """DRF's token authentication reading the token's user with their OpsDesk roles in one plain
    statement (core/signed_in.py): every API request checks a role, which otherwise costs a query of
    its own."""

    def authenticate_credentials(self, key):
        found = signed_in.user_by_token(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user, token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (user, token)
