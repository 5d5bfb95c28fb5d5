"""Every supported way of running OpsDesk gives the deadline sweeps a worker of their own: `make run`
(Procfile.dev) and docker compose each run a worker that consumes only the `timers` queue, no
worker consumes it together with the delivery queue (its pool could be busy with slow webhooks when
a sweep is due), and every queue tasks are routed to has a consumer."""

import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from opsdesk.celery import app as celery_app

REPO = Path(__file__).resolve().parents[2]


def queues_of(command: list[str]) -> set[str] | None:
    """The queues a `celery ... worker` command consumes (None: not a worker)."""
    if "celery" not in command[:1] or "worker" not in command:
        return None
    if "-Q" not in command:
        return {celery_app.conf.task_default_queue}  # no -Q: the default queue only
    return set(command[command.index("-Q") + 1].split(","))


def procfile_workers() -> dict[str, set[str]]:
    workers = {}
    for line in (REPO / "Procfile.dev").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            if (queues := queues_of(shlex.split(command))) is not None:
                workers[name] = queues
    return workers


def compose_workers() -> dict[str, set[str]]:
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    return {
        name: queues
        for name, service in services.items()
        if (queues := queues_of(list(service.get("command") or []))) is not None
    }


@pytest.mark.parametrize("topology", [procfile_workers, compose_workers], ids=["make run", "docker compose"])
def test_the_deadline_sweeps_have_a_worker_of_their_own(topology):
    workers = topology()
    timers = settings.TIMERS_QUEUE
    assert {timers} in workers.values(), f"no worker consumes only {timers!r}: {workers}"
    shared = {name: queues for name, queues in workers.items() if timers in queues and len(queues) > 1}
    assert not shared, f"these workers consume {timers!r} with other queues: {shared}"
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    consumed = set().union(*workers.values())
    assert routed | {celery_app.conf.task_default_queue} <= consumed
