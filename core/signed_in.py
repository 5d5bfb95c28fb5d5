"""The signed-in user, read once per request by one plain statement: the user's columns, their time zone
(core/profiles.py) and their OpsDesk roles (core/roles.py), by the session's user id or by API token.

Every page and API call starts with this read. Through the ORM (select_related, an array subquery for
the roles) compiling the statement took more CPU than PostgreSQL took running it (~3 ms a request on
the benchmark machine); these statements are built once per process."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token

from core import roles
from core.api import rows
from core.profiles import PROFILE, UserProfile

BY_ID = ("", "", 'WHERE u."id" = %s')
BY_TOKEN = (', t."created"', 'JOIN "authtoken_token" t ON t."user_id" = u."id"', 'WHERE t."key" = %s')


@cache
def _statement(extra: str, join: str, where: str) -> tuple[str, list[str]]:
    """(SQL, the user's attribute names in column order): the user's columns, their profile's time zone,
    their roles, then `extra` columns, of the user found by `join` and `where` (one parameter)."""
    user_model, quote = get_user_model(), connection.ops.quote_name
    meta, profile = user_model._meta, UserProfile._meta
    fields = meta.concrete_fields
    columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    held = (
        'ARRAY(SELECT g."name" FROM "auth_group" g JOIN "auth_user_groups" ug ON ug."group_id" = g."id"'
        ' WHERE ug."user_id" = u."id" AND g."name" = ANY(%s))'
    )
    sql = (
        f'SELECT {columns}, p."time_zone", {held}{extra} FROM {quote(meta.db_table)} u'
        f' LEFT JOIN {quote(profile.db_table)} p ON p."user_id" = u."id" {join} {where}'
    )
    return sql, [field.attname for field in fields]


def _read(statement: tuple[str, str, str], value):
    """(user, the `extra` columns' values) or None."""
    sql, names = _statement(*statement)
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, [list(roles.ALL_ROLES), value])
        row = cursor.fetchone()
    if row is None:
        return None
    count = len(names)
    user = rows.loaded(get_user_model(), connection.alias, names, row[:count])
    time_zone, held = row[count], row[count + 1]
    profile = UserProfile(user_id=user.pk, time_zone=time_zone) if time_zone is not None else None
    user._meta.get_field(PROFILE).set_cached_value(user, profile)  # None: no row (zone_of reads that)
    roles.remember_roles(user, held)
    return user, row[count + 2 :]


def user_by_id(user_id):
    """The user with this id, their profile and roles loaded; None if there is none."""
    found = _read(BY_ID, user_id)
    return found[0] if found else None


def user_by_token(key: str) -> tuple | None:
    """(user, token) of the API token `key` (the user's profile and roles loaded), or None."""
    found = _read(BY_TOKEN, key)
    if found is None:
        return None
    user, (created,) = found
    token = Token(key=key, user_id=user.pk, created=created)
    Token._meta.get_field("user").set_cached_value(token, user)
    return user, token
