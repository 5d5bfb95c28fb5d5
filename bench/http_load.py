"""The HTTP benchmark's moving parts: gunicorn as a subprocess (always stopped), wrk (installed from
Debian when missing), one-off timed requests, and waiting until both workers are idle again."""

import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .env import REPO
from .procs import stop

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
READY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Request:
    """What one endpoint's requests look like; `{id}` in the path becomes a random incident id."""

    path: str
    method: str = "GET"
    body: str | None = None
    auth: str | None = None  # Authorization header
    cookie: str | None = None


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    errors: int
    bytes: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def ensure_wrk() -> str:
    """The wrk binary; `apt-get install -y wrk` first when it is missing and we are root."""
    if not shutil.which("wrk"):
        if os.geteuid() != 0:
            raise SystemExit("wrk is missing: install Debian's `wrk` package (apt-get install wrk)")
        print("[bench] installing wrk (apt-get install -y wrk)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


@contextlib.contextmanager
def gunicorn(environ: dict[str, str], *, port: int, workers: int, log: Path) -> Iterator[str]:
    """`gunicorn opsdesk.wsgi` with `workers` sync workers on 127.0.0.1:`port`, in its own process group;
    yields its base URL once /healthz answers, stops it when the block exits."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "opsdesk.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "300",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=environ, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {process.returncode}: see {log}")
            with contextlib.suppress(OSError):
                if fetch(base, Request("/healthz"))[0] == 200:
                    break
            if time.monotonic() - started > READY_TIMEOUT:
                raise RuntimeError(
                    f"gunicorn did not answer /healthz within {READY_TIMEOUT:.0f} s: see {log}"
                )
            time.sleep(0.5)
        yield base
    finally:
        stop(process)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to report (e.g. to the login page: the session was not accepted), not
    something to follow and then time the page it leads to."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(base: str, request: Request, *, incident_id: int = 1) -> tuple[int, float, int]:
    """One request, redirects not followed: (status, seconds, body bytes)."""
    status, seconds, body = fetch_body(base, request, incident_id=incident_id)
    return status, seconds, len(body)


def fetch_body(base: str, request: Request, *, incident_id: int = 1) -> tuple[int, float, bytes]:
    """One request, redirects not followed: (status, seconds, body)."""
    headers = {"Content-Type": "application/json"} if request.body else {}
    if request.auth:
        headers["Authorization"] = request.auth
    if request.cookie:
        headers["Cookie"] = request.cookie
    data = request.body.encode() if request.body else None
    url = base + request.path.replace("{id}", str(incident_id))
    started = time.monotonic()
    try:
        with _opener.open(
            urllib.request.Request(url, data=data, headers=headers, method=request.method), timeout=600
        ) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return status, time.monotonic() - started, body


def drain(base: str, workers: int) -> None:
    """Wait until every worker has finished what wrk left behind (a sync worker serves a request to its
    end even when the client is gone), so one endpoint's slow tail is not charged to the next one."""
    threads = [threading.Thread(target=fetch, args=(base, Request("/healthz"))) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def wrk(
    binary: str, base: str, request: Request, *, seconds: float, connections: int, ids: tuple[int, int]
) -> WrkRun:
    environ = {
        **os.environ,
        "BENCH_PATH": request.path,
        "BENCH_METHOD": request.method,
        "BENCH_ID_MIN": str(ids[0]),
        "BENCH_ID_MAX": str(ids[1]),
    }
    for key, value in (
        ("BENCH_BODY", request.body),
        ("BENCH_AUTH", request.auth),
        ("BENCH_COOKIE", request.cookie),
    ):
        environ.pop(key, None)
        if value:
            environ[key] = value
    command = [binary, "-t", "2", "-c", str(connections), "-d", f"{math.ceil(seconds)}s", "--timeout", "60s"]
    out = subprocess.run(
        [*command, "-s", str(WRK_SCRIPT), base], env=environ, capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH_RESULT "))
    return WrkRun(**json.loads(line.removeprefix("BENCH_RESULT ")))
