"""The CAB's pages: the queue "awaiting my approval" (what is in it, constant queries), votes posted
from a row or from the approvals panel (htmx redraws just that part), and the panel itself."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from changes.approvals import change_vote
from changes.models import ChangeApproval, ChangeType, Status
from changes.tests.approval_factories import (
    LEAD,
    OPS,
    OWNER,
    cab_member,
    change_awaiting_approval,
    change_in_state,
)
from core import roles

pytestmark = pytest.mark.django_db

QUEUE = "/changes/cab/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def vote_url(change) -> str:
    return reverse("changes:vote", args=[change.pk])


def listed(client) -> list[str]:
    response = client.get(QUEUE)
    assert response.status_code == 200
    return [row["change"].number for row in response.context["rows"]]


def test_the_queue_shows_what_awaits_my_vote(client, board, agent, make_user):
    mine = change_awaiting_approval(requester=agent, title="Rotate certificates")
    voted = change_awaiting_approval(requester=agent)
    change_vote(change=voted, actor=board[LEAD], decision="approve")
    role_taken = change_awaiting_approval(requester=agent)
    change_vote(change=role_taken, actor=cab_member(LEAD, username="lead2"), decision="approve")
    own = change_awaiting_approval(requester=make_user(roles.AGENT, LEAD, username="lead-agent"))
    emergency = change_awaiting_approval(requester=agent, type=ChangeType.EMERGENCY)  # ops manager only
    change_in_state("assessment", requester=agent)
    client.force_login(board[LEAD])
    assert listed(client) == [mine.number, own.number]  # oldest first
    client.force_login(own.requester)  # a tech lead never sees their own change
    assert own.number not in listed(client)
    client.force_login(board[OPS])
    assert set(listed(client)) == {mine.number, voted.number, role_taken.number, own.number, emergency.number}
    page = client.get(QUEUE).content.decode()
    assert (
        "Rotate certificates" in page
        and "0 of 3 approvals" in page
        and 'name="decision" value="approve"' in page
    )


def test_someone_off_the_board_sees_an_explanation(client, agent):
    change_awaiting_approval(requester=agent)
    client.force_login(agent)
    response = client.get(QUEUE)
    assert response.status_code == 200 and response.context["rows"] == []
    assert "no change advisory board role" in response.content.decode()


@pytest.mark.parametrize("extra", [0, 4])
def test_the_queue_query_count_does_not_grow_with_rows(
    client, board, agent, extra, django_assert_num_queries
):
    for _ in range(1 + extra):
        change = change_awaiting_approval(requester=agent)
        change_vote(change=change, actor=board[OWNER], decision="approve")
    client.force_login(board[LEAD])
    client.get(QUEUE)  # warm the session
    # session, the user with their roles, changes (with policy, people, due time), their votes with voters
    with django_assert_num_queries(4):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 1 + extra


def test_approve_from_a_row_redraws_the_row(client, board, agent):
    change = change_awaiting_approval(requester=agent)
    client.force_login(board[LEAD])
    response = client.post(
        vote_url(change), {"decision": "approve", "comment": "Looks safe.", "show": "row"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and f"You approved {change.number} as Technical lead." in html
    assert "1 of 3 approvals" in html and 'name="decision"' not in html  # no second vote offered
    assert ChangeApproval.objects.get().comment == "Looks safe."


def test_the_last_approval_says_the_change_is_approved(client, board, agent):
    change = change_awaiting_approval(requester=agent)
    for role in (LEAD, OWNER):
        change_vote(change=change, actor=board[role], decision="approve")
    client.force_login(board[OPS])
    html = client.post(vote_url(change), {"decision": "approve", "show": "row"}, **HTMX).content.decode()
    assert f"{change.number} is now approved." in html
    change.refresh_from_db()
    assert change.status == Status.APPROVED


def test_a_rejection_without_a_comment_keeps_the_form_with_the_error(client, board, agent):
    change = change_awaiting_approval(requester=agent)
    client.force_login(board[LEAD])
    response = client.post(vote_url(change), {"decision": "reject", "comment": " ", "show": "row"}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "A rejection needs a comment giving the reason." in html and 'value="reject"' in html
    assert not ChangeApproval.objects.exists()


def test_refused_votes_say_why(client, board, agent, make_user):
    lead_requester = make_user(roles.AGENT, LEAD, username="lead-agent")
    own = change_awaiting_approval(requester=lead_requester)
    client.force_login(lead_requester)
    response = client.post(vote_url(own), {"decision": "approve"}, **HTMX)
    assert response.status_code == 403 and "segregation of duties" in response.content.decode()
    approved = change_in_state("draft", requester=agent)
    client.force_login(board[LEAD])
    assert client.post(vote_url(approved), {"decision": "approve"}, **HTMX).status_code == 409
    client.force_login(agent)  # not on the board at all
    assert client.post(vote_url(own), {"decision": "approve"}).status_code == 403
    assert not ChangeApproval.objects.exists()


def test_without_htmx_a_vote_redirects_with_a_message(client, board, agent):
    change = change_awaiting_approval(requester=agent)
    client.force_login(board[LEAD])
    response = client.post(vote_url(change), {"decision": "approve"}, follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert f"You approved {change.number}" in response.content.decode()


def test_the_approvals_panel(board, agent, make_user):
    change = change_awaiting_approval(requester=agent)
    change_vote(change=change, actor=board[OWNER], decision="approve", comment="Business is ready.")
    both = make_user(LEAD, OPS, username="both")

    def panel(user) -> str:
        request = RequestFactory().get("/")
        request.user = user
        return render_to_string("changes/_approvals.html", {"change": change}, request=request)

    html = panel(both)
    assert "Normal changes: whole CAB: every listed role approves" in html
    assert "<dt>Approvals</dt><dd>1 of 3</dd>" in html
    assert "<strong>Approved</strong> by cab_product_owner as Product owner" in html
    assert "Business is ready." in html and "Waiting for</dt><dd>Technical lead, Operations manager" in html
    assert '<option value="cab_tech_lead">Technical lead</option>' in html  # two open roles: choose one
    assert 'name="decision"' not in panel(board[OWNER])  # already voted
    assert "You already voted" in panel(board[OWNER])
    assert 'name="decision"' not in panel(agent)  # not on the board: no form, no refusal either
    change_vote(change=change, actor=board[LEAD], decision="reject", comment="No rollback test.")
    change.refresh_from_db()
    rejected = panel(board[OPS])
    assert "<strong>Rejected</strong> by cab_tech_lead" in rejected and "Rejected because" in rejected
    assert 'name="decision"' not in rejected


def test_a_vote_from_the_panel_redraws_the_panel(client, agent, make_user):
    change = change_awaiting_approval(requester=agent)
    client.force_login(make_user(LEAD, OPS, username="both"))
    body = {"decision": "approve", "role": OPS, "show": "panel"}
    html = client.post(vote_url(change), body, **HTMX).content.decode()
    assert html.lstrip().startswith('<section id="approvals"')
    assert "You approved" in html and "as Operations manager" in html
    response = client.post(vote_url(change), body, follow=True)  # again, without htmx: back to the change
    assert response.redirect_chain[-1][0] == reverse("changes:detail", args=[change.pk])
