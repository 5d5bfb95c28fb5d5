"""The account alert ingestion acts as on incidents (creating, acknowledging, resolving, reopening):
one service user, `alerts-bot`, with the agent role and no usable password, so the timeline names
who did what and the incident services check it like anyone else."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles

USERNAME = "alerts-bot"


def system_actor():
    """The alerts service user, created (with the agent role) the first time it is needed."""
    User = get_user_model()
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user, created = User.objects.get_or_create(
            username=USERNAME, defaults={"first_name": "Alert", "last_name": "ingestion"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    if not user.is_active:  # an administrator switched it off: alerts are refused, not ignored
        return user
    if not roles.roles_of(user) & {roles.AGENT}:
        user.groups.add(Group.objects.get(name=roles.AGENT))
        user = User.objects.get(pk=user.pk)  # without the cached roles
    return user
