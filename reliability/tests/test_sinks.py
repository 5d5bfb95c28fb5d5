"""The local receivers count what was really delivered: every SMTP message and every webhook POST."""

import smtplib
import socket
import urllib.request
from email.message import EmailMessage

import pytest

from reliability import sinks


def test_smtp_sink_counts_each_message_per_recipient_and_subject():
    with sinks.smtp_sink() as (port, tally), smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        for _ in range(2):
            message = EmailMessage()
            message["Subject"], message["From"], message["To"] = "[OpsDesk] INC-1 breached", "a@x", "b@x, c@x"
            message.set_content("body\n.\nwith a dot line")
            smtp.send_message(message)
    assert tally.received == 4
    assert tally.distinct == 2 and tally.duplicated == 2
    assert set(tally.counts) == {"b@x [OpsDesk] INC-1 breached", "c@x [OpsDesk] INC-1 breached"}
    assert tally.unrecognisable == 0  # neither copy had a Message-ID: the same (none) on both


def test_smtp_sink_tells_copies_with_the_first_copys_message_id_from_others():
    with sinks.smtp_sink() as (port, tally), smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        for message_id in ("<one@opsdesk>", "<one@opsdesk>", "<two@opsdesk>"):
            message = EmailMessage()
            message["Subject"], message["From"], message["To"] = "[OpsDesk] INC-1 breached", "a@x", "b@x"
            message["Message-ID"] = message_id
            message.set_content("body")
            smtp.send_message(message)
    assert tally.received == 3 and tally.duplicated == 1
    assert tally.unrecognisable == 1  # the third copy could not be dropped by its Message-ID


def test_webhook_receiver_counts_by_webhook_id():
    with sinks.webhook_receiver() as (port, tally):
        for event_id in ("evt-1", "evt-1", "evt-2"):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/hook", data=b"{}", headers={"webhook-id": event_id}, method="POST"
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 204
    assert tally.received == 3 and tally.distinct == 2 and tally.duplicated == 1


def test_closed_port_refuses_connections():
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", sinks.closed_port()), 1),
    ):
        pass
