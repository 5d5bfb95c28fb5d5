"""Benchmark parameters, from the command line and BENCH_* environment variables."""

import argparse
import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/opsdesk_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"


def bench_database_url(name: str) -> str:
    """DEFAULT_DATABASE_URL's server, another database: each benchmark resets only its own."""
    return DEFAULT_DATABASE_URL.rsplit("/", 1)[0] + "/" + name


def parse_quick(argv: list[str] | None, *, prog: str, description: str | None, quick_help: str) -> bool:
    """Whether `--quick` was given (the only option of every benchmark; the rest are BENCH_* variables)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    return parser.parse_args(argv).quick


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class Params:
    mode: str  # "full" or "quick": which section of RESULTS.md the figures go to
    incidents: int  # open incidents, each with one running resolution clock
    spread_minutes: float  # deadlines spread uniformly over this many minutes...
    lead_seconds: float  # ...starting this long after seeding begins (worker start-up time)
    margin_seconds: float  # how long after the last deadline to wait before failing
    sweep_seconds: float  # OPSDESK_SWEEP_SECONDS for beat
    email: bool  # bench users have email addresses (each notification also queues an email)
    teams: int  # assignment groups of 3 agents, one service each
    idle_sweeps: int  # in-process sweeps timed when nothing is due
    profile_incidents: int  # overdue clocks fired by one profiled in-process sweep (0: skip)
    database_url: str
    redis_url: str

    @property
    def key(self) -> str:
        """Names this run's block in RESULTS.md."""
        return self.mode if self.email else f"{self.mode}-noemail"


def parse_params(argv: list[str] | None = None) -> Params:
    quick = parse_quick(
        argv,
        prog="python -m bench",
        description=__doc__,
        quick_help="smoke run: 2,000 incidents over 1 minute (env knobs still win)",
    )
    return Params(
        mode="quick" if quick else "full",
        incidents=_env_int("BENCH_INCIDENTS", 2_000 if quick else 100_000),
        spread_minutes=_env_float("BENCH_SPREAD_MINUTES", 1 if quick else 10),
        lead_seconds=_env_float("BENCH_LEAD_SECONDS", 30 if quick else 60),
        margin_seconds=_env_float("BENCH_MARGIN_SECONDS", 120 if quick else 300),
        sweep_seconds=_env_float("BENCH_SWEEP_SECONDS", 5),
        email=os.environ.get("BENCH_EMAIL", "1") not in {"0", "false", "no", "off"},
        teams=_env_int("BENCH_TEAMS", 10),
        idle_sweeps=_env_int("BENCH_IDLE_SWEEPS", 200),
        profile_incidents=_env_int("BENCH_PROFILE_INCIDENTS", 500 if quick else 2_000),
        database_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        redis_url=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
    )
