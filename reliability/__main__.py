"""`python -m reliability <run> [--quick] [--worker 'name=celery -A opsdesk worker ...']...`

Runs: `workerkill` (5 × kill -9 of the workers while 2,000 SLA deadlines pass), `outage` (API creates
with the broker unreachable, then the deliveries once it is back), `slowhook` (threshold lateness while
a webhook receiver answers after 6 s), `schemathesis` (every API operation as agent, viewer, manager),
`all` (each in turn, each in its own process). Each prints its figures and records them between
markers in bench/RELIABILITY.md; the exit status is 1 when a run missed its goal.

Workers: the Celery worker commands of Procfile.dev unless `--worker name=command` is given (repeat it
for several workers), so another topology can be judged by the same runs."""

import argparse
import importlib
import signal
import subprocess
import sys

from . import procfile, record

RUNS = {
    "workerkill": "workerkill",
    "outage": "outage",
    "slowhook": "slowhook",
    "schemathesis": "contract",
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__.split("\n\n")[0])
    parser.add_argument("run", choices=[*RUNS, "all"])
    parser.add_argument(
        "--quick", action="store_true", help="shorter variants (about 25 minutes in all on 2 cores)"
    )
    parser.add_argument(
        "--worker",
        action="append",
        default=[],
        metavar="NAME=COMMAND",
        help="a Celery worker to run instead of Procfile.dev's (repeatable)",
    )
    return parser.parse_args(argv)


def workers_from(arguments: list[str]) -> dict[str, str]:
    """`name=command` arguments → {name: command}; Procfile.dev's workers when there are none."""
    if not arguments:
        return procfile.default_worker_commands()
    workers = {}
    for argument in arguments:
        name, separator, command = argument.partition("=")
        if not separator or not name.strip() or not command.strip():
            raise SystemExit(f"--worker wants NAME=COMMAND, got {argument!r}")
        workers[name.strip()] = command.strip()
    return workers


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C and SIGTERM unwind through the finally blocks that stop every process a run started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    argv = sys.argv[1:] if argv is None else argv
    options = parse(argv)
    if options.run == "all":  # one process per run: each configures Django for its own database
        rest = [argument for argument in argv if argument != "all"]
        statuses = {
            run: subprocess.run([sys.executable, "-m", "reliability", run, *rest]).returncode for run in RUNS
        }
        print("\n".join(f"{run}: {'ok' if status == 0 else 'FAILED'}" for run, status in statuses.items()))
        return 0 if not any(statuses.values()) else 1
    module = importlib.import_module(f".{RUNS[options.run]}", __package__)
    kwargs = {"quick": options.quick}
    if options.run in {"workerkill", "slowhook", "outage"}:
        kwargs["workers"] = workers_from(options.worker)
    ok, text = module.run(**kwargs)
    label = f"{options.run} ({'quick' if options.quick else 'full'})"
    key = f"{options.run}-{'quick' if options.quick else 'full'}"
    if options.worker:  # another topology than Procfile.dev's: a block of its own
        key += "-" + "-".join(sorted(kwargs["workers"]))
        label += f" with workers {', '.join(sorted(kwargs['workers']))}"
    body = f"#### {label}: goal {'met' if ok else '**NOT met**'}\n\n{text}"
    print(body, flush=True)
    record.write(key, body)
    print(f"recorded in {record.RELIABILITY}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
