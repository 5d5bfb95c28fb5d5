"""The schemathesis run: gunicorn (production settings) over the demo data (`manage.py load_demo`),
every operation of `/api/schema/` exercised by schemathesis as the demo agent, viewer and manager (token
auth), with two checks: no 5xx (`not_a_server_error`) and responses that match the schema
(`response_schema_conformance`). Prints the counts and every failing operation with its role."""

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import config, web
from .stats import table

RUN = "contract"
ROLES = ("agent", "viewer", "manager")
CHECKS = {"not_a_server_error": "5xx", "response_schema_conformance": "schema violation"}


@dataclass
class Failure:
    role: str
    operation: str  # "METHOD /path"
    kind: str  # a value of CHECKS (or the check's own name)
    status: int | None
    message: str


@dataclass
class RoleRun:
    role: str
    exit_code: int
    operations: int = 0
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # operations schemathesis could not test at all


def parse_ndjson(role: str, lines: list[str]) -> RoleRun:
    """Failures and errors from schemathesis' NDJSON event stream (`--report ndjson`)."""
    result = RoleRun(role=role, exit_code=0)
    seen: set[tuple[str, str, str]] = set()
    for line in lines:
        if not line.strip():
            continue
        event = json.loads(line)
        ((kind, body),) = event.items() if len(event) == 1 else (next(iter(event.items())),)
        if kind == "ScenarioFinished" and body.get("label"):
            result.operations += 1
            for check in _failed_checks(body):
                name = check.get("name", "?")
                if name not in CHECKS:
                    continue
                operation = body["label"]
                status = (check.get("response") or {}).get("status_code")
                message = (check.get("failure_info") or {}).get("failure", {}).get("title") or check.get(
                    "message", ""
                )
                key = (operation, name, message)
                if key not in seen:
                    seen.add(key)
                    result.failures.append(Failure(role, operation, CHECKS[name], status, message))
        elif kind == "NonFatalError":
            result.errors.append(
                f"{body.get('label', '?')}: {body.get('info', {}).get('message', body)}"[:300]
            )
    return result


def _failed_checks(scenario: dict) -> list[dict]:
    checks = []
    for case in (scenario.get("recorder") or {}).get("checks", {}).values():
        checks += [check for check in case if check.get("status") == "FAILURE"]
    return checks


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
        "10" if quick else "50",
        "--seed",
        "42",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--continue-on-failure",
        "--report",
        "ndjson,junit",
        "--report-ndjson-path",
        str(report.with_suffix(".ndjson")),
        "--report-junit-path",
        str(report.with_suffix(".xml")),
        "--output-truncate",
        "true",
    ]
    with open(report.with_suffix(".log"), "w") as out:
        return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=config.env.REPO).returncode


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
            result = parse_ndjson(role, report.with_suffix(".ndjson").read_text().splitlines())
            result.exit_code = code
            runs.append(result)
            log(f"{role}: exit {code}, {result.operations} operations, {len(result.failures)} failures")
    return summarize(runs, quick=quick, work=work)


def summarize(runs: list[RoleRun], *, quick: bool, work: Path) -> tuple[bool, str]:
    failures = [failure for result in runs for failure in result.failures]
    count = {kind: sum(1 for f in failures if f.kind == kind) for kind in CHECKS.values()}
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
        f"- {f.kind}, as {f.role}: `{f.operation}`"
        + (f" → {f.status}" if f.status else "")
        + f": {f.message}"
        for f in sorted(failures, key=lambda f: (f.kind, f.operation, f.role))
    ]
    errors = [f"- as {r.role}: {error}" for r in runs for error in r.errors]
    text = (
        f"{'Quick' if quick else 'Full'} run: schemathesis "
        f"{'10 examples per operation, phases examples, coverage, fuzzing' if quick else '50 examples per operation, all phases'}"
        f", checks {', '.join(CHECKS)}, seed 42; reports in {work}.\n\n"
        + table(rows)
        + ("\n\nFailures:\n\n" + "\n".join(listing) if listing else "")
        + ("\n\nNot tested (schemathesis errors):\n\n" + "\n".join(errors) if errors else "")
    )
    ok = not failures and all(r.operations for r in runs)
    return ok, text
