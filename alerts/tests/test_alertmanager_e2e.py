"""End to end with the real Prometheus Alertmanager (Debian's `prometheus-alertmanager`, installed by
scripts/ensure-services.sh): `amtool alert add` opens an incident, firing again while it is open
creates nothing new, and `amtool alert add --end=<now>` auto-resolves it.

Alertmanager runs on 127.0.0.1 (a free port, no cluster) with 1 s group_wait / group_interval and a
2 s repeat_interval, posting to the live server; events are processed in the request (inline).
Waiting is polling with a deadline, never a fixed sleep."""

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.models import Alert
from incidents.models import Incident, Source

pytestmark = pytest.mark.django_db(transaction=True)

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
AMTOOL = shutil.which("amtool")
DEADLINE_SECONDS = 30.0
LABELS = ["alertname=DiskFull", "instance=db-1", "severity=critical"]


def wait_for(condition: Callable[[], object], what: str, timeout: float = DEADLINE_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)  # polling a real external process, not an assertion
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def real_alertmanager(tmp_path: Path, live_server, alertmanager, inline):
    if not (ALERTMANAGER and AMTOOL):
        pytest.fail("prometheus-alertmanager is not installed: run scripts/ensure-services.sh (as root).")
    webhook = f"{live_server.url}/api/v1/integrations/{alertmanager.key}/alertmanager/"
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        "route:\n"
        "  receiver: opsdesk\n"
        "  group_by: [alertname]\n"
        "  group_wait: 1s\n"
        "  group_interval: 1s\n"
        "  repeat_interval: 2s\n"
        "receivers:\n"
        "  - name: opsdesk\n"
        "    webhook_configs:\n"
        f"      - url: {webhook}\n"
        "        send_resolved: true\n"
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def ready():
        if process.poll() is not None:
            raise AssertionError(f"alertmanager exited: {(tmp_path / 'alertmanager.log').read_text()}")
        try:
            return urllib.request.urlopen(f"{url}/-/ready", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_for(ready, "Alertmanager to be ready")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def amtool(url: str, *args: str) -> None:
    subprocess.run(
        [
            AMTOOL,
            f"--alertmanager.url={url}",
            "alert",
            "add",
            *LABELS,
            "--annotation=summary=Disk full on db-1",
            *args,
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )


def test_real_alertmanager_opens_deduplicates_and_auto_resolves(real_alertmanager):
    amtool(real_alertmanager)
    incident = wait_for(lambda: Incident.objects.first(), "an incident from the firing alert")
    assert incident.title == "Disk full on db-1" and incident.source == Source.ALERT
    assert incident.priority == 1 and incident.detected_at is not None  # critical → 1/1

    amtool(real_alertmanager)  # the same alert fires again while its incident is open
    wait_for(lambda: Alert.objects.get().received_count >= 3, "Alertmanager to deliver the alert again")
    assert Incident.objects.count() == 1 and Incident.objects.get().is_open

    amtool(real_alertmanager, f"--end={datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    wait_for(lambda: Incident.objects.get().status == "resolved", "the incident to auto-resolve")
    assert Alert.objects.get().status == "resolved" and Incident.objects.count() == 1
