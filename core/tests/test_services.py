"""Teams and users' roles change through services that check who may do it."""

import pytest
from django.contrib.auth.models import Group

from core import roles, services
from core.errors import InvalidInput, NotPermitted
from core.models import Team

pytestmark = pytest.mark.django_db


def test_manager_manages_teams(manager, agent):
    ops = Group.objects.create(name="Ops")
    team = services.team_create(actor=manager, group=ops, lead=agent)
    assert services.team_update(team=team, actor=manager, lead=None).lead is None
    with pytest.raises(InvalidInput, match="Invalid input") as refused:
        services.team_create(actor=manager, group=ops)
    assert "group" in refused.value.fields
    services.team_delete(team=team, actor=manager)
    assert not Team.objects.exists()


def test_agents_do_not_manage_teams(agent):
    with pytest.raises(NotPermitted):
        services.team_create(actor=agent, group=Group.objects.create(name="Ops"))
    assert not Team.objects.exists()


def test_superuser_sets_roles_and_flags(make_user, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    someone = make_user(roles.VIEWER)
    assert roles.roles_of(someone) == {roles.VIEWER}
    services.user_set_roles(
        actor=boss, user=someone, groups=[Group.objects.get(name=roles.AGENT)], is_staff=True
    )
    someone.refresh_from_db()
    assert someone.is_staff and roles.roles_of(someone) == {roles.AGENT}


@pytest.mark.parametrize(
    "change",
    [{"groups": []}, {"is_active": False}, {"is_staff": True}, {"is_superuser": True}],
)
def test_a_manager_cannot_change_roles_and_nothing_changes(manager, viewer, change):
    with pytest.raises(NotPermitted):
        services.user_set_roles(actor=manager, user=viewer, **change)
    viewer.refresh_from_db()
    assert (viewer.is_active, viewer.is_staff, viewer.is_superuser) == (True, False, False)
    assert list(viewer.groups.values_list("name", flat=True)) == [roles.VIEWER]


def test_a_user_admin_may_set_groups_but_not_grant_admin_status(make_user, viewer):
    from django.contrib.auth.models import Permission

    helpdesk_admin = make_user(is_staff=True)
    helpdesk_admin.user_permissions.add(Permission.objects.get(codename="change_user"))
    services.user_set_roles(actor=helpdesk_admin, user=viewer, groups=[Group.objects.get(name=roles.AGENT)])
    assert list(viewer.groups.values_list("name", flat=True)) == [roles.AGENT]
    with pytest.raises(NotPermitted, match="superusers"):
        services.user_set_roles(actor=helpdesk_admin, user=viewer, is_superuser=True)
