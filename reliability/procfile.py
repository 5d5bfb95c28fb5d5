"""The process topology of `make run`, read from Procfile.dev: which Celery workers it starts."""

import os
import re
import shlex
import sys
from pathlib import Path

from bench.env import REPO

PROCFILE = REPO / "Procfile.dev"


def parse(text: str) -> dict[str, str]:
    """`name: command` lines of a Procfile (comments and blank lines skipped), in order."""
    processes = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        name, command = line.split(":", 1)
        processes[name.strip()] = command.strip()
    return processes


def worker_commands(text: str) -> dict[str, str]:
    """The Celery workers among a Procfile's processes (`celery ... worker ...`), by name."""
    return {
        name: command
        for name, command in parse(text).items()
        if shlex.split(command)[:1] == ["celery"] and "worker" in shlex.split(command)
    }


def default_worker_commands() -> dict[str, str]:
    return worker_commands(PROCFILE.read_text())


def argv(command: str, *, node: str) -> list[str]:
    """A worker command as argv: `celery` from this interpreter's venv, environment references left to
    the environment (${VAR:-default} expanded here), and a node name of its own unless it sets one."""
    words = [os.path.expandvars(_default_expansions(word)) for word in shlex.split(command)]
    if words[:1] == ["celery"]:
        words[0] = str(Path(sys.executable).with_name("celery"))
    if not any(word == "-n" or word.startswith("--hostname") for word in words):
        words += ["-n", f"{node}@%h"]
    return words


def _default_expansions(word: str) -> str:
    """`${NAME:-default}` → the variable's value or the default (what sh would do)."""
    return re.sub(
        r"\$\{(\w+):-([^}]*)\}", lambda match: os.environ.get(match.group(1)) or match.group(2), word
    )
