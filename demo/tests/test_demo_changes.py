"""The demo's change data: a change manager, a standard template with tasks, changes at several steps."""

import pytest
from django.core.management import call_command

from catalog.models import ConfigurationItem
from changes.models import Change, ChangeTemplate, FreezeWindow, Status
from core import roles

pytestmark = pytest.mark.django_db


def test_demo_changes(django_user_model):
    call_command("load_demo")
    chgmgr = django_user_model.objects.get(username="chgmgr")
    assert roles.roles_of(chgmgr) == {roles.CHANGE_MANAGER}
    template = ChangeTemplate.objects.get(name="Rotate the checkout TLS certificate")
    assert template.tasks.count() == 3
    statuses = dict(Change.objects.values_list("title", "status"))
    assert statuses == {
        "Upgrade pay-db-1 to PostgreSQL 16": Status.ASSESSMENT,  # high risk: waits for chgmgr
        "Raise the wiki attachment size limit": Status.AWAITING_APPROVAL,
        "Replace the VPN gateway firmware": Status.DRAFT,
        template.title: Status.APPROVED,
    }
    assert Change.objects.get(template=template).tasks.count() == 3
    call_command("load_demo")
    assert Change.objects.count() == 4 and ChangeTemplate.objects.count() == 1


def test_demo_change_calendar_has_a_freeze_window_and_windows_after_it():
    call_command("load_demo")
    freeze = FreezeWindow.objects.get(name="Quarter-end freeze")
    assert freeze.active and not freeze.services.exists()  # global
    upgrade = Change.objects.get(title="Upgrade pay-db-1 to PostgreSQL 16")
    assert upgrade.planned_start > freeze.ends_at and upgrade.planned_end > upgrade.planned_start
    # the CMDB graph the collision check and the impact analysis walk
    assert set(ConfigurationItem.objects.get(name="pay-db-1").dependents.values_list("name", flat=True)) == {
        "pay-api", "dwh-etl"
    }  # fmt: skip
    call_command("load_demo")
    assert FreezeWindow.objects.count() == 1
