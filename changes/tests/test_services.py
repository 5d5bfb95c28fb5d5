"""Filing, editing and walking a change through its lifecycle with the services."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from catalog.models import Criticality
from catalog.tests.factories import ConfigurationItemFactory, ServiceFactory
from changes import services, work_orders
from changes.models import ApprovalPolicy, Change, ChangeType, Outcome, RiskLevel, Status
from changes.tests.factories import change_create, change_in_state
from core import roles
from core.errors import ConcurrentModification, InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Event, TimelineEntry
from core.timeline import timeline_for

pytestmark = pytest.mark.django_db


def _transitions(change):
    return [
        (entry.from_state, entry.to_state, entry.note)
        for entry in timeline_for(change).filter(kind=TimelineEntry.Kind.TRANSITION)
    ]


# --- filing -------------------------------------------------------------------------------------


def test_create_numbers_records_and_announces(requester):
    first = change_create(actor=requester)
    second = change_create(actor=requester, title="Second")
    assert (first.number, second.number) == ("CHG-000001", "CHG-000002")
    assert first.status == Status.DRAFT and first.requester == requester
    created = timeline_for(first).get()
    assert created.kind == TimelineEntry.Kind.CREATED and "normal change" in created.note
    assert Event.objects.filter(type="change.created", object_id=first.pk).count() == 1


def test_create_from_template_prefills_everything(requester, template, critical_ci):
    template.cis.add(critical_ci)
    template.services.add(critical_ci.service)
    change = services.change_create(actor=requester, template=template, type=ChangeType.NORMAL)
    assert change.type == ChangeType.STANDARD
    assert change.title == template.title and change.rollback_plan == template.rollback_plan
    assert list(change.cis.all()) == [critical_ci]
    assert list(change.services.all()) == [critical_ci.service]
    assert [(t.position, t.title) for t in change.tasks.all()] == [
        (1, "Install the certificate"),
        (2, "Reload nginx"),
    ]


def test_a_standard_change_needs_a_template(requester):
    with pytest.raises(InvalidInput) as refused:
        change_create(actor=requester, type=ChangeType.STANDARD)
    assert "type" in refused.value.fields


def test_bad_input_names_each_field(requester, make_user):
    viewer = make_user(roles.VIEWER, username="looker")
    start = timezone.now()
    with pytest.raises(InvalidInput) as refused:
        services.change_create(
            actor=requester, title=" ", planned_start=start, planned_end=start, implementer=viewer
        )
    assert set(refused.value.fields) == {"title", "planned_end", "implementer"}


def test_viewer_may_not_file(viewer):
    with pytest.raises(NotPermitted):
        change_create(actor=viewer)


# --- editing a draft ----------------------------------------------------------------------------


def test_update_records_each_changed_field(requester, critical_ci):
    change = change_create(actor=requester)
    done = services.change_update(
        change=change, actor=requester, expected_version=1, title="Upgrade to 16.5", cis=[critical_ci]
    )
    assert done.version == 2 and done.title == "Upgrade to 16.5"
    fields = {e.field: (e.old_value, e.new_value) for e in timeline_for(change).filter(kind="field_change")}
    assert fields == {"title": ("Upgrade PostgreSQL to 16.4", "Upgrade to 16.5"), "cis": ("", "pay-db-1")}


def test_update_refuses_a_stale_version_and_a_submitted_change(requester):
    change = change_create(actor=requester)
    services.change_update(change=change, actor=requester, title="Once")
    with pytest.raises(ConcurrentModification):
        services.change_update(change=change, actor=requester, expected_version=1, title="Twice")
    services.change_submit(change=change, actor=requester)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.change_update(change=change, actor=requester, title="Later")
    assert "Only a draft can be edited" in refused.value.message


# --- submit and risk ----------------------------------------------------------------------------


def test_submit_without_plans_is_a_400_naming_them(requester):
    change = change_create(actor=requester, rollback_plan="", test_plan=" ")
    with pytest.raises(InvalidInput) as refused:
        services.change_submit(change=change, actor=requester)
    assert set(refused.value.fields) == {"rollback_plan", "test_plan"}
    assert Change.objects.get(pk=change.pk).status == Status.DRAFT


def test_low_risk_passes_assessment_automatically(requester, low_service):
    change = change_create(actor=requester)
    change.services.add(low_service)
    done = services.change_submit(change=change, actor=requester)
    assert done.status == Status.AWAITING_APPROVAL and done.risk_level == RiskLevel.LOW
    assert done.assessed_by is None  # the rules assessed it, not a change manager
    assert done.assessment_note == "Passed assessment automatically: low risk"
    assert done.approval_policy == ApprovalPolicy.objects.get(change_type="normal", active=True)
    assert [step[:2] for step in _transitions(change)] == [
        ("draft", "submitted"),
        ("submitted", "assessment"),
        ("assessment", "awaiting_approval"),
    ]


def test_high_risk_waits_for_a_change_manager(requester, chgmgr, critical_ci):
    change = change_create(actor=requester, outage_required=True, rollback_complexity="complex")
    change.cis.add(critical_ci)
    done = services.change_submit(change=change, actor=requester)
    assert done.status == Status.ASSESSMENT
    assert done.risk_level in (RiskLevel.HIGH, RiskLevel.VERY_HIGH)
    assert any("critical" in reason for reason in done.risk_reasons)
    assert any("outage" in reason for reason in done.risk_reasons)
    with pytest.raises(NotPermitted):
        services.change_assess(change=change, actor=requester, note="Looks fine")
    with pytest.raises(InvalidInput) as refused:
        services.change_assess(change=change, actor=chgmgr, note=" ")
    assert "note" in refused.value.fields
    done = services.change_assess(change=change, actor=chgmgr, note="Rollback rehearsed on staging.")
    assert done.status == Status.AWAITING_APPROVAL
    assert (done.assessed_by, done.assessment_note) == (chgmgr, "Rollback rehearsed on staging.")


def test_recent_failures_on_the_same_cis_raise_the_risk(requester, low_service):
    ci = ConfigurationItemFactory(name="wiki-app", service=low_service)
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        failed = change_in_state(Status.IMPLEMENTED, actor=requester, cis=[ci])
        Change.objects.filter(pk=failed.pk).update(outcome=Outcome.ROLLED_BACK)
    with time_machine.travel(timezone.now() - timedelta(days=120)):
        old = change_in_state(Status.IMPLEMENTED, actor=requester, cis=[ci])
        Change.objects.filter(pk=old.pk).update(outcome=Outcome.FAILED)
    change = change_create(actor=requester, cis=[ci])
    done = services.change_submit(change=change, actor=requester)
    reasons = " ".join(done.risk_reasons)
    assert failed.number in reasons and old.number not in reasons  # 90 days back, no further
    assert done.risk_level == RiskLevel.LOW and done.risk_score == 15


def test_wide_impact_through_dependencies_counts(requester):
    db = ConfigurationItemFactory(name="db", service=ServiceFactory(criticality=Criticality.LOW))
    for n in range(3):
        app = ConfigurationItemFactory(
            name=f"app-{n}", service=ServiceFactory(criticality=Criticality.MEDIUM)
        )
        app.depends_on.add(db)
    change = change_create(actor=requester, cis=[db])
    done = services.change_submit(change=change, actor=requester)
    assert any(
        reason.startswith("Wide impact: 4 configuration items, 4 services") for reason in done.risk_reasons
    )
    assert any("medium-criticality" in reason for reason in done.risk_reasons)


def test_standard_change_is_approved_on_submit(requester, template):
    change = services.change_create(actor=requester, template=template)
    done = services.change_submit(change=change, actor=requester)
    assert done.status == Status.APPROVED and done.approved_at is not None
    assert [step[:2] for step in _transitions(change)] == [("draft", "submitted"), ("submitted", "approved")]


# --- implementation, review, close ----------------------------------------------------------------


def test_complete_waits_for_every_task(requester):
    change = change_in_state(Status.SCHEDULED, actor=requester, implementer=requester)
    first = work_orders.task_add(change=change, actor=requester, title="Drain node 1")
    work_orders.task_add(change=change, actor=requester, title="Upgrade node 1")
    change = services.change_start(change=change, actor=requester)
    work_orders.task_start(task=first, actor=requester)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.change_complete(change=change, actor=requester, outcome=Outcome.SUCCESSFUL)
    assert "1. Drain node 1 (in progress); 2. Upgrade node 1 (pending)" in refused.value.message
    assert refused.value.current_status == Status.IMPLEMENTING
    work_orders.task_finish(task=first, actor=requester)
    work_orders.task_skip(task=change.tasks.get(position=2), actor=requester, note="Not needed after all.")
    done = services.change_complete(
        change=change, actor=requester, outcome=Outcome.SUCCESSFUL, notes="Smooth."
    )
    assert done.status == Status.IMPLEMENTED and done.outcome == Outcome.SUCCESSFUL
    event = Event.objects.get(type="change.implemented", object_id=change.pk)
    assert event.payload["outcome"] == "successful"


def test_complete_needs_an_outcome(requester):
    change = change_in_state(Status.IMPLEMENTING, actor=requester)
    with pytest.raises(InvalidInput) as refused:
        services.change_complete(change=change, actor=requester, outcome="")
    assert "outcome" in refused.value.fields


def test_a_normal_change_closes_only_after_its_review(requester):
    change = change_in_state(Status.IMPLEMENTED, actor=requester)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.change_close(change=change, actor=requester)
    assert refused.value.allowed_transitions == ["review"]
    with pytest.raises(InvalidInput):
        services.change_review(change=change, actor=requester, notes="")
    reviewed = services.change_review(
        change=change,
        actor=requester,
        notes="INC-000042 was caused by the restart.",
        lessons="Drain first.",
        outcome=Outcome.FAILED,
    )
    assert (reviewed.status, reviewed.outcome, reviewed.reviewed_by) == (
        Status.IN_REVIEW,
        "failed",
        requester,
    )
    assert services.change_close(change=change, actor=requester).status == Status.CLOSED


def test_a_standard_change_may_close_without_review(requester):
    change = change_in_state(Status.IMPLEMENTED, actor=requester, type=ChangeType.STANDARD)
    assert services.change_close(change=change, actor=requester).status == Status.CLOSED


def test_an_emergency_change_starts_as_soon_as_approved(requester):
    change = change_in_state(Status.APPROVED, actor=requester, type=ChangeType.EMERGENCY)
    assert services.change_start(change=change, actor=requester).status == Status.IMPLEMENTING


def test_cancel_needs_a_reason_and_stops_at_implementation(requester):
    change = change_in_state(Status.SCHEDULED, actor=requester)
    with pytest.raises(InvalidInput):
        services.change_cancel(change=change, actor=requester, note="")
    assert services.change_cancel(
        change=change, actor=requester, note="Vendor pulled the release."
    ).status == (Status.CANCELLED)
    started = change_in_state(Status.IMPLEMENTING, actor=requester)
    with pytest.raises(TransitionNotAllowed):
        services.change_cancel(change=started, actor=requester, note="Too late")


def test_revise_takes_a_rejected_change_back_to_an_editable_draft(requester):
    change = change_in_state(Status.REJECTED, actor=requester)
    done = services.change_revise(change=change, actor=requester)
    assert done.status == Status.DRAFT and done.risk_level == ""
    edited = services.change_update(change=done, actor=requester, test_plan="Run the smoke suite twice.")
    assert edited.test_plan == "Run the smoke suite twice." and edited.version == done.version + 1
