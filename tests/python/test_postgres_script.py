"""`make test`'s PostgreSQL (scripts/postgres.sh) starts from a clone in a private folder, one
only its owner can enter (a `mktemp -d` folder, root's home): as root the server runs as the
`postgres` user, whose data directory must then lie outside the project."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import ROOT

TINY_TEST = """
from conftest import postgres_database
from product_analytics.warehouse import PostgresConnection


def test_the_server_answers():
    env = postgres_database("pa_private_clone")
    con = PostgresConnection(dbname=env["PGDATABASE"])
    assert con.query("select 1") == [(1,)]
    con.close()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _copy_working_tree(destination: Path) -> None:
    """The project's files as they are now (tracked and new, not ignored), as a clone has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def test_postgres_starts_from_a_clone_in_a_private_folder() -> None:
    private = Path(tempfile.mkdtemp(prefix="pa_private_"))  # mode 700: only its owner enters
    assert private.stat().st_mode & 0o777 == 0o700
    clone = private / "product_analytics"
    _copy_working_tree(clone)
    env = {**os.environ, "PA_PG_PORT": str(_free_port())}
    env.pop("PA_PG_DIR", None)
    script = str(clone / "scripts" / "postgres.sh")
    try:
        started = subprocess.run([script, "start"], env=env, capture_output=True, text=True, check=False)
        assert started.returncode == 0, started.stderr
        data_dir = subprocess.run([script, "dir"], env=env, capture_output=True, text=True, check=True).stdout.strip()
        if os.geteuid() == 0:
            # The server runs as `postgres`, who cannot enter the private folder.
            assert not data_dir.startswith(str(private)), data_dir
        (clone / "tests" / "python" / "test_tiny.py").write_text(TINY_TEST)
        pg_env = dict(
            item.split("=", 1)
            for item in subprocess.run(
                [script, "env"], env=env, capture_output=True, text=True, check=True
            ).stdout.split()
        )
        tiny = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/python/test_tiny.py"],
            cwd=clone,
            env={**env, **pg_env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert tiny.returncode == 0, tiny.stdout[-3000:] + tiny.stderr[-2000:]
    finally:
        subprocess.run([script, "clean"], env=env, capture_output=True, check=False)
        shutil.rmtree(private, ignore_errors=True)
    assert not Path(data_dir).exists(), "scripts/postgres.sh clean left the server's directory"
