"""Confirmed suspected incidents count against a change's success, alone and in the success rate."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from catalog.tests.factories import ServiceFactory
from changes.models import Status
from changes.success import change_success, change_success_rate
from changes.suspects import suspect_confirm, suspect_dismiss

from .suspects_setup import implemented_change, suspected_link

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def test_change_success(agent, service):
    confirmed = suspected_link(reporter=agent, service=service)
    assert change_success(confirmed.change) is True  # suggested only: not counted yet
    suspect_confirm(link=confirmed, actor=agent)
    assert change_success(confirmed.change) is False

    dismissed = suspected_link(reporter=agent, service=ServiceFactory())
    suspect_dismiss(link=dismissed, actor=agent, note="Unrelated.")
    assert change_success(dismissed.change) is True

    failed = implemented_change(at=START, outcome="failed")
    assert change_success(failed) is False
    not_done = implemented_change(at=START, status=Status.IMPLEMENTING)
    assert change_success(not_done) is None


def test_change_success_rate(agent, service):
    inside = START + timedelta(days=3)
    implemented_change(at=inside, services=[service])  # successful
    implemented_change(at=inside, services=[service], outcome="failed")
    implemented_change(at=inside, services=[service], outcome="rolled_back")
    implemented_change(at=inside, status=Status.CLOSED)  # successful, another service
    implemented_change(at=START - timedelta(seconds=1))  # before the period
    implemented_change(at=END)  # the end is exclusive
    implemented_change(at=inside, status=Status.IMPLEMENTING)  # not implemented
    with time_machine.travel(START + timedelta(days=5), tick=False):
        caused = suspected_link(reporter=agent, service=service)
        with_dismissed = suspected_link(reporter=agent, service=service)
    suspect_confirm(link=caused, actor=agent, note="It did.")
    suspect_dismiss(link=with_dismissed, actor=agent, note="It did not.")

    rate = change_success_rate(START, END)
    figures = (rate.implemented, rate.successful, rate.failed, rate.rolled_back, rate.caused_incidents)
    assert figures == (6, 3, 1, 1, 1)
    assert rate.unsuccessful == 3 and rate.percent == 50.0
    only_service = change_success_rate(START, END, service=service)  # all but the CLOSED one
    assert (only_service.implemented, only_service.successful, only_service.percent) == (5, 2, 40.0)


def test_no_changes_no_rate():
    rate = change_success_rate(START, END)
    assert (rate.implemented, rate.percent) == (0, None)
