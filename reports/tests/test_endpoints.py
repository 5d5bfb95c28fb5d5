"""The page, the CSV export and the API: same numbers, permissions, bad parameters, query counts."""

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from core import roles
from core.formatting import duration_text
from reports import charts
from reports import metrics as metrics_module
from reports.export import sla_csv
from reports.metrics import period_bounds, sla_metrics

from .conftest import FIRST_DAY, LAST_DAY, NOW, at
from .html import tables
from .test_metrics import AT_RISK, BACKLOG, BREACHES, COMPLIANCE, MTTA, MTTR, PERCENTS, WEEKLY

pytestmark = [pytest.mark.django_db, pytest.mark.urls("reports.tests.urls")]

PAGE = "/dashboards/sla/"
CSV = "/dashboards/sla/export.csv"
API = "/api/v1/metrics/sla/"


@pytest.fixture
def query(payments):
    return {"from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat(), "service": str(payments.pk)}


@pytest.fixture
def browser(client, manager):
    client.force_login(manager)
    return client


def seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def csv_sections(text: str) -> dict[str, list[dict[str, str]]]:
    sections, block = {}, []
    for row in csv.reader(io.StringIO(text)):
        if row:
            block.append(row)
            continue
        title, header, *rows = block
        sections[title[0]] = [dict(zip(header, r, strict=True)) for r in rows]
        block = []
    assert not block, "every section ends with an empty row"
    return sections


def percent_text(value):
    return "—" if value is None else f"{value:.1f} %"


def seconds_text(value):
    return duration_text(None if value is None else timedelta(seconds=value), "words")


# --- the numbers --------------------------------------------------------------------------------


def test_api_gives_the_hand_computed_figures(scenario, payments, browser, query, frozen_now):
    response = browser.get(API, query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {
        "from": "2026-11-02",
        "to": "2026-11-15",
        "start": "2026-11-02T00:00:00Z",
        "end": "2026-11-16T00:00:00Z",
        "service": {"id": payments.pk, "name": "Payments"},
        "now": "2026-11-16T10:00:00Z",
    }
    rows = {row["label"]: row for row in body["priorities"]}
    assert list(rows) == list(COMPLIANCE)
    for label, (incidents, response_counts, resolution_counts) in COMPLIANCE.items():
        row = rows[label]
        assert row["incidents"] == incidents
        assert (row["response"]["met"], row["response"]["breached"]) == response_counts
        assert (row["resolution"]["met"], row["resolution"]["breached"]) == resolution_counts
        assert (row["response"]["percent"], row["resolution"]["percent"]) == PERCENTS[label]
        for key, expected in (("mtta", MTTA[label]), ("mttr", MTTR[label])):
            assert row[key] == {
                "count": expected.count,
                "mean_seconds": seconds(expected.mean),
                "p50_seconds": seconds(expected.p50),
                "p90_seconds": seconds(expected.p90),
            }
    assert rows["P1"]["priority"] == 1 and rows["Overall"]["priority"] is None
    assert rows["P1"]["mtta"]["mean_seconds"] == 700.0

    n = {name: incident.number for name, incident in scenario.items()}
    assert [(b["number"], b["target"], b["breached_at"]) for b in body["breaches"]] == [
        (n[name], target, when.isoformat().replace("+00:00", "Z")) for name, target, when in BREACHES
    ]
    assert body["breaches"][0]["url"] == f"/incidents/{scenario['B4'].pk}/"
    assert body["breaches"][0]["title"] == "B4 something broke" and body["breaches"][0]["priority"] == 1
    assert [(i["number"], i["target"], i["due_at"]) for i in body["at_risk"]] == [
        (n[name], target, due.isoformat().replace("+00:00", "Z")) for name, target, _, due in AT_RISK
    ]
    assert [b["key"] for b in body["backlog"]["buckets"]] == ["lt_1h", "1h_4h", "4h_24h", "1d_7d", "gt_7d"]
    assert {r["label"]: tuple(r["counts"].values()) for r in body["backlog"]["rows"]} == BACKLOG
    assert body["backlog"]["rows"][-1]["total"] == 9
    assert [
        (
            w["week"],
            w["start"],
            w["incidents"],
            (w["resolution"]["met"], w["resolution"]["breached"]),
            w["resolution"]["percent"],
        )
        for w in body["weekly"]
    ] == [(label, monday.isoformat(), count, outcome, pct) for label, monday, count, outcome, pct in WEEKLY]


def test_csv_page_and_api_show_the_same_numbers(scenario, browser, query, frozen_now):
    api = browser.get(API, query).json()
    export = browser.get(CSV, query)
    page = browser.get(PAGE, query)
    assert (export.status_code, page.status_code) == (200, 200)
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert export["Content-Disposition"] == 'attachment; filename="sla-2026-11-02_2026-11-15-payments.csv"'
    assert export.streaming
    sections = csv_sections(b"".join(export.streaming_content).decode())
    html = page.content.decode()
    found, links = tables(html)

    # period
    assert sections["SLA dashboard"] == [
        {
            "from": "2026-11-02",
            "to": "2026-11-15",
            "service": "Payments",
            "generated_at": "2026-11-16T10:00:00+00:00",
        }
    ]
    # compliance
    compliance_rows = found["compliance"][2:]  # two header rows
    for row, csv_row, cells in zip(
        api["priorities"], sections["Compliance by priority"], compliance_rows, strict=True
    ):
        assert csv_row == {
            "priority": row["label"],
            "incidents": str(row["incidents"]),
            "response_met": str(row["response"]["met"]),
            "response_breached": str(row["response"]["breached"]),
            "response_percent": str(row["response"]["percent"]),
            "resolution_met": str(row["resolution"]["met"]),
            "resolution_breached": str(row["resolution"]["breached"]),
            "resolution_percent": str(row["resolution"]["percent"]),
        }
        assert cells == [
            row["label"],
            str(row["incidents"]),
            percent_text(row["response"]["percent"]),
            str(row["response"]["met"]),
            str(row["response"]["breached"]),
            percent_text(row["resolution"]["percent"]),
            str(row["resolution"]["met"]),
            str(row["resolution"]["breached"]),
        ]
    assert found["compliance"][2] == ["P1", "3", "66.7 %", "2", "1", "33.3 %", "1", "2"]
    assert found["compliance"][-1] == ["Overall", "10", "70.0 %", "7", "3", "37.5 %", "3", "5"]

    # MTTA / MTTR
    for row, csv_row, cells in zip(
        api["priorities"],
        sections["Response and resolution times (seconds, wall clock)"],
        found["times"][2:],
        strict=True,
    ):
        expected_cells = [row["label"]]
        for key in ("mtta", "mttr"):
            stats = row[key]
            assert csv_row[f"{key}_count"] == str(stats["count"])
            for name in ("mean", "p50", "p90"):
                value = stats[f"{name}_seconds"]
                assert csv_row[f"{key}_{name}_s"] == ("" if value is None else str(value))
            expected_cells += [str(stats["count"])] + [
                seconds_text(stats[f"{n}_seconds"]) for n in ("mean", "p50", "p90")
            ]
        assert cells == expected_cells
    assert found["times"][2] == [
        "P1",
        "3",
        "11 min 40 s",
        "10 min",
        "18 min",
        "2",
        "2 h 15 min",
        "2 h 15 min",
        "2 h 51 min",
    ]
    assert found["times"][5][5:] == ["0", "—", "—", "—"]  # P4: nothing resolved
    assert '<time datetime="P0DT00H11M40S">11 min 40 s</time>' in html

    # weekly trend
    assert [(w["week"], int(w["incidents"]), w["resolution_percent"]) for w in sections["Weekly trend"]] == [
        (w["week"], w["incidents"], str(w["resolution"]["percent"])) for w in api["weekly"]
    ]
    assert found["weekly"][1:] == [
        ["2026-W45", "4", "25.0 %", "1", "3"],
        ["2026-W46", "6", "50.0 %", "2", "2"],
    ]

    # breaches and at risk, with links to the incidents
    assert [(b["number"], b["target"]) for b in sections["Breaches"]] == [
        (b["number"], b["target"]) for b in api["breaches"]
    ]
    assert sections["Breaches"][0]["url"] == "http://testserver" + api["breaches"][0]["url"]
    assert [row[0] for row in found["breach"][1:]] == [b["number"] for b in api["breaches"]]
    assert [(i["number"], i["due_at"]) for i in sections["At risk now"]] == [
        (i["number"], i["due_at"].replace("Z", "+00:00")) for i in api["at_risk"]
    ]
    assert [row[0] for row in found["at_risk"][1:]] == [i["number"] for i in api["at_risk"]]
    assert found["at_risk"][1][-1] == "5 min" and found["at_risk"][2][-1] == "20 min"
    for item in api["breaches"] + api["at_risk"]:
        assert item["url"] in links

    # backlog
    assert [
        [r["priority"], *[r[k] for k in ("lt_1h", "1h_4h", "4h_24h", "1d_7d", "gt_7d", "total")]]
        for r in sections["Open backlog by age"]
    ] == [
        [row["label"], *map(str, row["counts"].values()), str(row["total"])] for row in api["backlog"]["rows"]
    ]
    assert [cells[1:] for cells in found["backlog"][1:]] == [
        [*map(str, counts), str(sum(counts))] for counts in BACKLOG.values()
    ]

    # the filter form shows the period and service
    assert 'value="2026-11-02"' in html and 'value="2026-11-15"' in html
    assert re.search(r'<option value="\d+" selected>Payments</option>', html)


def test_page_embeds_both_charts_without_scripts(scenario, browser, query, frozen_now):
    html = browser.get(PAGE, query).content.decode()
    assert html.count('class="pygal-chart"') == 4  # each drawn wide and compact (reports.charts)
    main = html[html.index('<main id="main"') :]
    assert "<script" not in main


def test_charts_reference_nothing_outside_the_page(scenario, payments):
    start, end = period_bounds(FIRST_DAY, LAST_DAY)
    metrics = sla_metrics(start=start, end=end, service=payments, now=NOW)
    for svg in (charts.compliance_chart(metrics), charts.trend_chart(metrics)):
        assert svg.startswith("<svg") and not svg.startswith("<?xml")
        assert "<script" not in svg and "href" not in svg
        assert set(re.findall(r"https?://[^\s\"'<>]+", svg)) <= {
            "http://www.w3.org/2000/svg",
            "http://www.w3.org/1999/xlink",
        }
    bar, line = charts.compliance_chart(metrics), charts.trend_chart(metrics)
    assert "66.7 %" in bar and "37.5 %" in bar and "Overall" in bar
    assert "2026-W45" in line and "25.0 %" in line


def test_csv_neutralises_formulas_in_titles(story, payments):
    incident = story.file("F1", at(2, 9), 1)
    incident.__class__.objects.filter(pk=incident.pk).update(title="=HYPERLINK(1)")
    start, end = period_bounds(FIRST_DAY, LAST_DAY)
    metrics = sla_metrics(start=start, end=end, service=payments, now=NOW)  # unacknowledged P1: breached
    sections = csv_sections(sla_csv(metrics))
    assert {row["title"] for row in sections["Breaches"]} == {"'=HYPERLINK(1)"}


# --- defaults and bad parameters ------------------------------------------------------------------


def test_default_period_is_the_last_30_days(db, browser, frozen_now):
    body = browser.get(API).json()
    assert (body["period"]["from"], body["period"]["to"], body["period"]["service"]) == (
        "2026-10-18",
        "2026-11-16",
        None,
    )
    # Sunday 2026-10-18 is in W42, Monday 2026-11-16 starts W47
    assert [w["week"] for w in body["weekly"]] == [f"2026-W{n}" for n in range(42, 48)]
    body = browser.get(API, {"to": "2026-11-10"}).json()
    assert (body["period"]["from"], body["period"]["to"]) == ("2026-10-12", "2026-11-10")
    page = browser.get(PAGE)
    assert page.status_code == 200 and 'value="2026-10-18"' in page.content.decode()


BAD = [
    ({"from": "2026-13-01"}, "from", "Enter a date as YYYY-MM-DD."),
    ({"from": "yesterday"}, "from", "Enter a date as YYYY-MM-DD."),
    ({"to": "15/11/2026"}, "to", "Enter a date as YYYY-MM-DD."),
    (
        {"from": "2026-11-15", "to": "2026-11-02"},
        "to",
        "The end date must be on or after the start date (from).",
    ),
    ({"from": "2025-01-01", "to": "2026-11-15"}, "from", "The period may span at most 366 days."),
    ({"service": "999999"}, "service", "Unknown service: give the id of an existing service."),
    ({"service": "payments"}, "service", "Unknown service: give the id of an existing service."),
]


@pytest.mark.parametrize("params, field, message", BAD)
def test_bad_parameters_are_400_everywhere(payments, browser, params, field, message):
    response = browser.get(API, params)
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "message": "Invalid input.",
        "fields": {field: [message]},
    }
    page = browser.get(PAGE, params)
    assert page.status_code == 400 and message in page.content.decode()
    assert f'<ul class="errorlist" id="id_{field}_error">' in page.content.decode()
    assert f'aria-describedby="id_{field}_error"' in page.content.decode()
    assert "pygal-chart" not in page.content.decode()
    export = browser.get(CSV, params)
    assert export.status_code == 400 and message in export.content.decode()


# --- permissions ------------------------------------------------------------------------------------

WHO = [
    ("anonymous", 302, 401),
    ("no role", 403, 403),
    (roles.VIEWER, 200, 200),
    (roles.AGENT, 200, 200),
    (roles.MANAGER, 200, 200),
    (roles.CHANGE_MANAGER, 200, 200),
]


@pytest.mark.parametrize("who, page_status, api_status", WHO)
def test_who_may_see_the_dashboard(db, client, client_for, make_user, who, page_status, api_status):
    if who == "anonymous":
        api = APIClient()
    else:
        user = make_user(*([] if who == "no role" else [who]), username="someone")
        client.force_login(user)
        api = client_for(user)
    for url in (PAGE, CSV):
        response = client.get(url)
        assert response.status_code == page_status, url
        if page_status == 302:
            assert response["Location"] == f"/login/?next={url}"
    response = api.get(API)
    assert response.status_code == api_status
    if api_status != 200:
        assert response.json()["status"] == api_status


def test_api_is_read_only(client_for, manager):
    response = client_for(manager).post(API, {})
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


# --- query counts and bounded pages ----------------------------------------------------------------


def body(response) -> str:
    assert response.status_code == 200
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def breach_incidents(story, names) -> None:
    """P1 incidents of the period never acknowledged: both clocks breach (two breaches each)."""
    for number, name in enumerate(names):
        story.file(name, at(3 + number % 10, 9, number), 1)
    story.sweep(NOW)


def test_query_counts_do_not_grow_with_the_incidents(
    story, browser, client_for, manager, query, django_assert_max_num_queries
):
    api = client_for(manager)

    def counts() -> tuple[int, int, int]:
        found = []
        for client, url in ((browser, PAGE), (browser, CSV), (api, API)):
            with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
                body(client.get(url, query))  # the CSV's rows are read while it streams
            found.append(len(captured))
        return tuple(found)

    story.file("S1", at(2, 9), 1)
    few = counts()
    for day in range(3, 15):
        for priority in (1, 3):
            name = f"M{day}-{priority}"
            story.file(name, at(day, 9), priority)
            story.act(name, at(day, 9, 10), "acknowledge")
            story.act(name, at(day, 11), "resolve")
    story.sweep(NOW)
    assert counts() == few
    # metrics: 7 statements, + 2 around the compliance one (SAVEPOINT/RELEASE here, BEGIN/COMMIT in a
    # request) + its SET LOCAL random_page_cost (reports.rollup); the page: session, user, roles, services,
    # and the breakdowns (reports.breakdowns: 3 reads, the outcome one in its own planned transaction: + 2)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(19):
            browser.get(PAGE, query)
        with django_assert_max_num_queries(12):
            api.get(API, query)


def test_page_size_stays_bounded_whatever_the_number_of_breaches(
    story, browser, client_for, manager, query, monkeypatch
):
    monkeypatch.setattr(metrics_module, "PAGE_SIZE", 3)
    api = client_for(manager)

    def page(**extra) -> tuple[str, int]:
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
            html = body(browser.get(PAGE, {**query, **extra}))
        return html, len(captured)

    breach_incidents(story, ["F1"])
    few, few_queries = page()
    assert len(tables(few)[0]["breach"]) == 1 + 2  # header + both breaches
    breach_incidents(story, [f"G{n}" for n in range(12)])
    many, many_queries = page()
    rows = tables(many)[0]["breach"][1:]
    assert len(rows) == 3 and 'Breaches in the period <span class="count">26</span>' in many
    assert "Page 1 of 9" in many and "breaches_page=2" in many
    assert len(many) - len(few) < 1500 and len(many) < 120_000  # the pager, a few digits
    assert many_queries == few_queries

    last, last_queries = page(breaches_page=9)
    assert len(tables(last)[0]["breach"][1:]) == 2 and last_queries == few_queries
    with time_machine.travel(NOW, tick=False):
        second = api.get(API, {**query, "breaches_page": 2}).json()
        export = body(browser.get(CSV, query))
    assert second["breaches_page"] == {"number": 2, "page_size": 3, "total": 26, "pages": 9}
    assert [b["number"] for b in second["breaches"]] == [
        row[0] for row in tables(page(breaches_page=2)[0])[0]["breach"][1:]
    ]
    assert len(csv_sections(export)["Breaches"]) == 26  # the export has every row


def test_figures_link_to_the_queue_with_their_filters(story, browser, query, payments):
    breach_incidents(story, ["F1"])
    with time_machine.travel(NOW, tick=False):
        html = body(browser.get(PAGE, query))
    found, links = tables(html)
    period = (
        "created_after=2026-11-02T00%3A00%3A00%2B00%3A00&created_before=2026-11-16T00%3A00%3A00%2B00%3A00"
    )
    breached = f"/incidents/?sla=breached&priority=1&{period}&service={payments.pk}"
    assert breached in links
    assert f"/incidents/?sla=at_risk&amp;is_open=true&amp;service={payments.pk}" in html  # outside tables
    incidents = [link for link in links if "status=new" in link and "priority=1" in link]
    assert incidents and "status=cancelled" not in incidents[0] and period in incidents[0]
    backlog = f"/incidents/?is_open=true&priority=1&service={payments.pk}&created_after="
    assert any(link.startswith(backlog) for link in links)


def test_bad_page_is_400(payments, browser, client_for, manager, query):
    response = client_for(manager).get(API, {**query, "breaches_page": "0"})
    assert response.status_code == 400 and "breaches_page" in str(response.json())
    assert browser.get(PAGE, {**query, "at_risk_page": "x"}).status_code == 400


# --- OpenAPI ----------------------------------------------------------------------------------------


def test_schema_documents_the_endpoint(client_for, agent):
    response = client_for(agent).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    validate_schema(schema)
    operation = schema["paths"][API]["get"]
    assert {p["name"]: p["schema"] for p in operation["parameters"]} == {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "service": {"type": "integer"},
        "breaches_page": {"type": "integer"},
        "at_risk_page": {"type": "integer"},
    }
    assert {"200", "400", "401", "403", "429"} <= set(operation["responses"])
    assert (
        operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
        == "#/components/schemas/Error"
    )
    assert (
        operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        == "#/components/schemas/SlaMetrics"
    )
    assert operation["tags"] == ["metrics"]
    period = schema["components"]["schemas"]["Period"]["properties"]
    assert {"from", "to", "start", "end", "service", "now"} <= set(period)
