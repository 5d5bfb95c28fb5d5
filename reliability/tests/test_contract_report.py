"""Reading schemathesis' JUnit report: which operations failed, as whom, with a 5xx or a schema violation."""

from reliability import contract

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites errors="1" failures="2" skipped="1" tests="5" time="1.0">
  <testsuite name="schemathesis" hostname="h" errors="1" failures="2" skipped="1" tests="5" time="1.0">
    <testcase name="GET /api/v1/incidents/" time="0.1" />
    <testcase name="POST /api/v1/changes/" time="0.1">
      <failure type="failure" message="ST101, ST108">1. Test Case ID: abc

- Server error

- Response violates schema

[500] Internal Server Error:

Reproduce with:

    curl -X POST http://127.0.0.1/api/v1/changes/</failure>
    </testcase>
    <testcase name="GET /api/v1/alerts/" time="0.1">
      <failure type="failure" message="ST108">- Response violates schema
'next' is not of type 'string'</failure>
    </testcase>
    <testcase name="DELETE /api/v1/services/{id}/" time="0.1"><skipped type="skipped" message="x">x</skipped></testcase>
    <testcase name="GET /api/v1/reports/" time="0.1"><error type="error">Schema error: bad $ref</error></testcase>
  </testsuite>
</testsuites>
"""


def test_parse_junit_counts_operations_and_classifies_failures():
    result = contract.parse_junit("viewer", REPORT)
    assert result.operations == 4  # the skipped one was never tested
    assert [(f.operation, f.kind) for f in result.failures] == [
        ("POST /api/v1/changes/", "5xx"),
        ("POST /api/v1/changes/", "schema violation"),
        ("GET /api/v1/alerts/", "schema violation"),
    ]
    assert result.failures[0].detail.startswith("- Server error · - Response violates schema · [500]")
    assert "curl" not in result.failures[0].detail
    assert result.errors == ["`GET /api/v1/reports/`: Schema error: bad $ref"]


def test_summary_lists_every_failure_with_its_role(tmp_path):
    runs = [contract.parse_junit("viewer", REPORT), contract.parse_junit("agent", "")]
    ok, text = contract.summarize(runs, quick=True, work=tmp_path)
    assert not ok
    assert "| failing operations × role: 5xx | 1 |" in text
    assert "| failing operations × role: schema violations | 2 |" in text
    assert "- 5xx, as viewer: `POST /api/v1/changes/`" in text
    assert "as agent: schemathesis wrote no report" in text
