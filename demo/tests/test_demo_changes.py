"""The demo's change data: a change manager, a standard template with tasks, changes at several steps."""

import pytest
from django.core.management import call_command

from changes.models import Change, ChangeTemplate, Status
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
