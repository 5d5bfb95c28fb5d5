"""The reliability runs' pure parts: the RELIABILITY.md block, percentiles, the Procfile topology and the
command line. No database, broker or subprocess."""

import math

import pytest

from reliability import procfile, record, stats, workerkill
from reliability.__main__ import workers_from

PROCFILE = """# comment
web: python manage.py runserver 127.0.0.1:${OPSDESK_PORT:-8000} --noreload
worker: celery -A opsdesk worker -l info --concurrency 2 -Q celery
timers: celery -A opsdesk worker -l info --concurrency 1 -Q timers
beat: celery -A opsdesk beat -l info
"""


def test_replace_block_appends_then_replaces_only_its_own_block():
    text = record.replace_block("# Reliability runs\n\nHand-written.\n", "outage-quick", "first")
    text = record.replace_block(text, "workerkill-quick", "kills")
    text = record.replace_block(text, "outage-quick", "second\nfigures")
    assert "first" not in text
    assert "<!-- reliability:outage-quick -->\nsecond\nfigures\n<!-- /reliability:outage-quick -->" in text
    assert "Hand-written." in text and "kills" in text
    assert text.index("outage-quick") < text.index("workerkill-quick")  # replaced in place


def test_write_creates_the_file_with_a_header(tmp_path):
    path = tmp_path / "RELIABILITY.md"
    record.write("slowhook-full", "late 3 s", path)
    assert path.read_text().startswith(record.HEADER)
    assert "late 3 s" in path.read_text()


def test_percentile_interpolates_like_postgresql():
    assert stats.percentile([4, 1, 3, 2], 0.5) == 2.5
    assert stats.percentile([1, 2, 3, 4, 5], 0.99) == pytest.approx(4.96)
    assert math.isnan(stats.percentile([], 0.5))


def test_latency_summary_in_milliseconds():
    summary = stats.latency_summary([0.010, 0.020, 0.030])
    assert summary == {"count": 3, "p50_ms": pytest.approx(20), "p99_ms": pytest.approx(29.8), "max_ms": 30}


def test_table_formats_numbers():
    assert stats.table([("missed", 0), ("emails", 8000), ("ratio", 1.234), ("ok", "yes")]).splitlines() == [
        "| figure | value |",
        "|---|---|",
        "| missed | 0 |",
        "| emails | 8,000 |",
        "| ratio | 1.23 |",
        "| ok | yes |",
    ]


def test_worker_commands_are_the_celery_workers_of_the_procfile():
    assert procfile.worker_commands(PROCFILE) == {
        "worker": "celery -A opsdesk worker -l info --concurrency 2 -Q celery",
        "timers": "celery -A opsdesk worker -l info --concurrency 1 -Q timers",
    }


def test_argv_uses_this_venv_celery_and_names_the_node(monkeypatch):
    monkeypatch.setenv("QUEUES", "timers")
    words = procfile.argv("celery -A opsdesk worker -Q ${QUEUES:-celery}", node="rel-worker-1")
    assert words[0].endswith("/celery") and words[0] != "celery"
    assert words[1:] == ["-A", "opsdesk", "worker", "-Q", "timers", "-n", "rel-worker-1@%h"]
    assert procfile.argv("celery worker -n mine@%h", node="x")[-2:] == ["-n", "mine@%h"]


def test_worker_option_overrides_the_procfile():
    assert workers_from(
        ["timers=celery -A opsdesk worker -Q timers", "deliveries = celery -A opsdesk worker"]
    ) == {
        "timers": "celery -A opsdesk worker -Q timers",
        "deliveries": "celery -A opsdesk worker",
    }
    with pytest.raises(SystemExit):
        workers_from(["celery -A opsdesk worker"])


def test_kills_fall_evenly_inside_the_deadline_window():
    plan = workerkill.Plan(spread_seconds=100.0, kills=5)
    assert workerkill.kill_times(plan) == [10.0, 30.0, 50.0, 70.0, 90.0]
