"""The schemathesis run: gunicorn (production settings) over the demo data (`manage.py load_demo`),
every operation of `/api/schema/` exercised by schemathesis as the demo agent, viewer and manager (token
auth), with two checks: no 5xx (`not_a_server_error`) and responses that match the schema
(`response_schema_conformance`). Prints the counts and every failing operation with its role."""

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from . import config, web
from .stats import table

RUN = "contract"
ROLES = ("agent", "viewer", "manager")
CHECKS = ("not_a_server_error", "response_schema_conformance")


QUICK_SECONDS, FULL_SECONDS = 150, 900  # time budget per role (--max-time)
SERVER_ERROR_CODES = {"ST101", "ST102"}  # schemathesis failure codes: 5xx (the rest come from conformance)


@dataclass
class Failure:
    role: str
    operation: str  # "METHOD /path"
    kind: str  # "5xx" or "schema violation"
    detail: str  # schemathesis' own words, first lines


@dataclass
class RoleRun:
    role: str
    exit_code: int
    operations: int = 0
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # operations schemathesis could not test at all


def parse_junit(role: str, xml: str) -> RoleRun:
    """Operations, failures (per operation: 5xx and/or schema violation) and errors from schemathesis'
    JUnit report: one <testcase> per operation, a <failure message="ST101, ST108"> with the details."""
    result = RoleRun(role=role, exit_code=0)
    if not xml.strip():
        result.errors.append("schemathesis wrote no report (see its log)")
        return result
    for case in ElementTree.fromstring(xml).iter("testcase"):
        if case.find("skipped") is None:  # a skip note stays only when no scenario tested the operation
            result.operations += 1
        operation = case.get("name", "?")
        for failure in case.findall("failure"):
            codes = {code.strip() for code in (failure.get("message") or "").split(",") if code.strip()}
            detail = _detail(failure.text or "")
            if codes & SERVER_ERROR_CODES:
                result.failures.append(Failure(role, operation, "5xx", detail))
            if codes - SERVER_ERROR_CODES:
                result.failures.append(Failure(role, operation, "schema violation", detail))
        for error in case.findall("error"):
            result.errors.append(f"`{operation}`: {_detail(error.text or error.get('message') or '')}")
    return result


def _detail(text: str, limit: int = 3) -> str:
    """The first meaningful lines of a schemathesis failure text, on one line."""
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not re.match(r"(curl|Reproduce|\d+\. Test Case ID)", line.strip())
    ]
    return " · ".join(lines[:limit])[:400]


def _schemathesis(base: str, token: str, report: Path, *, quick: bool) -> int:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/api/schema/",
        "--url",
        base,
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing" if quick else "examples,coverage,fuzzing,stateful",
        "--max-examples",
        "5" if quick else "50",
        "--max-time",
        str(QUICK_SECONDS if quick else FULL_SECONDS),
        "--seed",
        "42",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--continue-on-failure",
        "--report",
        "junit",
        "--report-junit-path",
        str(report.with_suffix(".xml")),
        "--output-truncate",
        "true",
    ]
    with open(report.with_suffix(".log"), "w") as out:
        return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=report.parent).returncode


def run(*, quick: bool) -> tuple[bool, str]:
    log = lambda message: config.log(RUN, message)  # noqa: E731
    environ = config.environ(RUN)
    work = config.work_dir(RUN)
    config.reset_and_setup(RUN, environ)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("load_demo", verbosity=0)
    users = get_user_model().objects
    tokens = {role: Token.objects.get_or_create(user=users.get(username=role))[0].key for role in ROLES}
    runs = []
    with web.gunicorn(environ, work / "gunicorn.log") as base:
        for role in ROLES:
            log(f"schemathesis as {role}")
            report = work / f"schemathesis-{role}"
            code = _schemathesis(base, tokens[role], report, quick=quick)
            result = parse_junit(role, report.with_suffix(".xml").read_text())
            result.exit_code = code
            runs.append(result)
            log(f"{role}: exit {code}, {result.operations} operations, {len(result.failures)} failures")
    return summarize(runs, quick=quick, work=work)


def summarize(runs: list[RoleRun], *, quick: bool, work: Path) -> tuple[bool, str]:
    failures = [failure for result in runs for failure in result.failures]
    count = {kind: sum(1 for f in failures if f.kind == kind) for kind in ("5xx", "schema violation")}
    rows = [
        *(
            (f"operations tested as {r.role} (schemathesis exit status {r.exit_code})", r.operations)
            for r in runs
        ),
        ("failing operations × role: 5xx", count["5xx"]),
        ("failing operations × role: schema violations", count["schema violation"]),
        *((f"operations schemathesis could not test as {r.role}", len(r.errors)) for r in runs),
    ]
    listing = [
        f"- {f.kind}, as {f.role}: `{f.operation}`: {f.detail}"
        for f in sorted(failures, key=lambda f: (f.kind, f.operation, f.role))
    ]
    errors = [f"- as {r.role}: {error}" for r in runs for error in r.errors]
    text = (
        f"{'Quick' if quick else 'Full'} run: schemathesis "
        f"{f'phases examples, coverage, fuzzing, 5 examples per operation, {QUICK_SECONDS} s per role' if quick else f'all phases, 50 examples per operation, {FULL_SECONDS} s per role'}"
        f", checks {', '.join(CHECKS)}, seed 42; reports in {work}.\n\n"
        + table(rows)
        + ("\n\nFailures:\n\n" + "\n".join(listing) if listing else "")
        + ("\n\nNot tested (schemathesis errors):\n\n" + "\n".join(errors) if errors else "")
    )
    ok = not failures and all(r.operations for r in runs)
    return ok, text
