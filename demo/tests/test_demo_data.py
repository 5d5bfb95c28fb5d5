"""`manage.py load_demo` builds usable demo data and is idempotent."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from catalog.models import ConfigurationItem, Service
from core import roles
from core.models import TimelineEntry
from demo import builder as demo
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "memberships": get_user_model().groups.through.objects.count(),
        "groups": Group.objects.count(),
        "services": Service.objects.count(),
        "cis": ConfigurationItem.objects.count(),
        "dependencies": ConfigurationItem.depends_on.through.objects.count(),
        "incidents": Incident.objects.count(),
        "timeline": TimelineEntry.objects.count(),
    }


@pytest.fixture
def loaded():
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    return first


def test_second_run_changes_nothing(loaded):
    assert _counts() == loaded
    assert str(demo.load_demo()) == "Demo data already present; nothing created."


@pytest.mark.parametrize(("username", "role"), [(u, r) for u, (r, _) in demo.DEMO_USERS.items()])
def test_users_log_in_and_hold_their_roles(loaded, client, username, role):
    assert client.login(username=username, password="opsdesk")
    user = get_user_model().objects.get(username=username)
    assert roles.roles_of(user) == (frozenset({role}) if role else frozenset())


def test_admin_and_manager_flags(loaded):
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.get(username="manager").is_staff
    assert not User.objects.get(username="agent").is_staff


def test_catalog(loaded):
    service_desk = Group.objects.get(name="Service Desk")
    assert Service.objects.count() >= 5
    assert not Service.objects.exclude(owning_group=service_desk).exists()
    assert len(set(Service.objects.values_list("criticality", flat=True))) >= 3
    assert ConfigurationItem.objects.get(name="pay-api").depends_on.filter(name="pay-db-1").exists()


def test_incidents_filed_through_services(loaded):
    incidents = Incident.objects.all()
    showcase = incidents.filter(title__in=[spec.title for spec in demo.INCIDENTS])
    assert showcase.count() == len(demo.INCIDENTS)
    assert not showcase.exclude(reporter__username="agent").exists()
    assert incidents.count() > len(demo.INCIDENTS)  # and the history: test_demo_history.py
    assert len(set(incidents.values_list("status", flat=True))) >= 4
    assert len(set(incidents.values_list("priority", flat=True))) >= 3
    numbers = list(incidents.order_by("pk").values_list("number", flat=True))
    assert numbers == [
        f"INC-{n:06d}" for n in range(1, len(numbers) + 1)
    ]  # the INC sequence, in filing order
    for incident in incidents.select_related("reporter"):
        assert TimelineEntry.objects.filter(
            object_id=incident.pk, kind=TimelineEntry.Kind.CREATED, actor=incident.reporter
        ).exists()


def test_teams_route_and_escalate(loaded):
    service_desk = Group.objects.get(name="Service Desk")
    assert sorted(service_desk.user_set.values_list("username", flat=True)) == [
        "agent", "alice", "bob", "manager"
    ]  # fmt: skip
    assert (service_desk.team.lead.username, service_desk.team.escalation_group.name) == (
        "manager",
        "Platform team",
    )
    platform = Group.objects.get(name="Platform team")
    assert not Incident.objects.exclude(assignment_group__in=[service_desk, platform]).exists()
    assert (
        not Incident.objects.filter(title__in=[spec.title for spec in demo.INCIDENTS])
        .exclude(assignment_group=service_desk)
        .exists()
    )
