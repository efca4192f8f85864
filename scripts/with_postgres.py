#!/usr/bin/env python3
"""with_postgres.py [--keep] [--durable] -- CMD ARGS...: run CMD against a throwaway PostgreSQL.

Starts a fresh PostgreSQL server in a new temporary directory (unix socket there, TCP on
127.0.0.1 on a free port, trust authentication, superuser `postgres`, database `medoffice`),
runs CMD with DATABASE_URL (and PGHOST/PGPORT/PGUSER/PGDATABASE) pointing at it, then stops
the server and removes the directory, also on Ctrl-C or errors. Exits with CMD's exit code.

The server binaries come from /usr/lib/postgresql/<newest>/bin, `pg_config --bindir` or PATH;
when they are missing and we are root, the Debian package `postgresql` is installed. PostgreSQL
refuses to run as root, so as root the server runs as the `postgres` system user (runuser).

Importable, e.g. for the benchmark harness:

    with temporary_postgres() as url:
        ...  # url == "postgres://postgres@127.0.0.1:PORT/medoffice"
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ensure_debian_package

SERVER_USER = "postgres"  # the system account the server runs as when we are root
SUPERUSER = "postgres"  # the database superuser (trust auth, may CREATE DATABASE)
DEFAULT_DATABASE = "medoffice"

# Throwaway data: durability buys nothing. `durable=True` keeps PostgreSQL's defaults instead
# (benchmarks that should pay a real commit's fsync).
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
COMMON_SETTINGS = {
    "max_connections": "50",
    "shared_buffers": "128MB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "2GB",
    "checkpoint_timeout": "30min",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",  # tests provoke errors on purpose; keep the log short
}


class PostgresError(RuntimeError):
    """The temporary server could not be set up."""


def _say(message: str) -> None:
    print(f"with_postgres: {message}", file=sys.stderr, flush=True)


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def _has_server(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def _find_bindir() -> Path | None:
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True):
        if _has_server(bindir):
            return bindir
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and _has_server(Path(result.stdout.strip())):
            return Path(result.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb and _has_server(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    return None


def postgres_bindir(*, install: bool = True) -> Path:
    """The newest PostgreSQL server binaries; installs Debian's `postgresql` as root if needed."""
    bindir = _find_bindir()
    if bindir:
        return bindir
    if install and os.geteuid() == 0:
        _say("PostgreSQL server binaries not found; installing the Debian package 'postgresql'")
        try:
            ensure_debian_package.install("postgresql")
        except ensure_debian_package.MissingPackageError as exc:
            raise PostgresError(str(exc)) from None
        bindir = _find_bindir()
        if bindir:
            return bindir
    raise PostgresError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found. "
        "Install them: sudo apt-get install postgresql"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure_server_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        pass
    _say(f"creating the system user {SERVER_USER!r} to run PostgreSQL (it refuses root)")
    subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/var/lib/postgresql",
            "--shell",
            "/usr/sbin/nologin",
            SERVER_USER,
        ],
        check=True,
    )
    return pwd.getpwnam(SERVER_USER)


class TemporaryPostgres:
    """A PostgreSQL server living in a temporary directory. start() then stop()."""

    def __init__(
        self,
        *,
        database: str = DEFAULT_DATABASE,
        durable: bool = False,
        keep: bool = False,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.database = database
        self.durable = durable
        self.keep = keep
        self.settings = dict(settings or {})
        self.bindir = postgres_bindir()
        self.as_root = os.geteuid() == 0
        self.root: Path | None = None
        self.port = 0
        self.started = False

    @property
    def datadir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{self.database}"

    def env(self) -> dict[str, str]:
        """Environment for a client: DATABASE_URL and libpq's PG* variables."""
        return {
            "DATABASE_URL": self.url,
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": SUPERUSER,
            "PGDATABASE": self.database,
        }

    def _server_command(self, args: Sequence[str]) -> list[str]:
        if self.as_root:
            return ["runuser", "-u", SERVER_USER, "--", *args]
        return list(args)

    def _run(self, args: Sequence[str], *, as_server: bool = True, what: str) -> None:
        command = self._server_command(args) if as_server else list(args)
        result = subprocess.run(
            command,
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            start_new_session=True,  # Ctrl-C reaches CMD, not the server; we stop it ourselves
        )
        if result.returncode != 0:
            raise PostgresError(
                f"{what} failed (exit {result.returncode}): {' '.join(command)}\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}"
            )

    def _log_tail(self, lines: int = 30) -> str:
        if self.root is None or not self.logfile.exists():
            return ""
        text = self.logfile.read_text(errors="replace").splitlines()[-lines:]
        return "\n--- server log ---\n" + "\n".join(text) + "\n"

    def start(self) -> str:
        self.root = Path(tempfile.mkdtemp(prefix="medoffice-pg-"))
        if self.as_root:
            user = _ensure_server_user()
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(
            [
                str(self.bindir / "initdb"),
                "--pgdata",
                str(self.datadir),
                "--auth=trust",
                "--username",
                SUPERUSER,
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            what="initdb",
        )
        settings = {**COMMON_SETTINGS, **({} if self.durable else FAST_SETTINGS), **self.settings}
        settings["listen_addresses"] = "'127.0.0.1'"
        settings["unix_socket_directories"] = f"'{self.root}'"
        for attempt in range(5):
            self.port = _free_port()
            conf = {**settings, "port": str(self.port)}
            with (self.datadir / "postgresql.auto.conf").open("w") as handle:
                handle.write("# Written by scripts/with_postgres.py\n")
                handle.writelines(f"{key} = {value}\n" for key, value in conf.items())
            try:
                self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "--pgdata",
                        str(self.datadir),
                        "--log",
                        str(self.logfile),
                        "--wait",
                        "--timeout=60",
                        "--silent",
                        "start",
                    ],
                    what="starting PostgreSQL",
                )
                break
            except PostgresError:
                # Lost a race for the port? Try another one; otherwise give up.
                if attempt == 4 or "already in use" not in self._log_tail():
                    raise
        self.started = True
        self._run(
            [
                str(self.bindir / "createdb"),
                "--host=127.0.0.1",
                f"--port={self.port}",
                f"--username={SUPERUSER}",
                self.database,
            ],
            as_server=False,
            what=f"creating the database {self.database}",
        )
        return self.url

    def stop(self) -> None:
        if self.root is None:
            return
        if self.started:
            for mode in ("fast", "immediate"):
                try:
                    self._run(
                        [
                            str(self.bindir / "pg_ctl"),
                            "--pgdata",
                            str(self.datadir),
                            "--mode",
                            mode,
                            "--wait",
                            "--timeout=30",
                            "--silent",
                            "stop",
                        ],
                        what=f"stopping PostgreSQL ({mode})",
                    )
                    self.started = False
                    break
                except PostgresError as exc:
                    _say(str(exc))
        if self.keep:
            _say(f"kept {self.root} (data in data/, log in server.log)")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


@contextlib.contextmanager
def temporary_postgres(
    *,
    database: str = DEFAULT_DATABASE,
    durable: bool = False,
    keep: bool = False,
    settings: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """A throwaway PostgreSQL server for the duration of the block; yields its URL."""
    server = TemporaryPostgres(database=database, durable=durable, keep=keep, settings=settings)
    try:
        yield server.start()
    finally:
        server.stop()


def _raise_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run a command against a throwaway PostgreSQL server.",
        usage="%(prog)s [--keep] [--durable] -- CMD [ARGS...]",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (data, log)"
    )
    parser.add_argument(
        "--durable", action="store_true", help="leave fsync and synchronous_commit on"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (put it after --)")

    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    server: TemporaryPostgres | None = None
    proc: subprocess.Popen[bytes] | None = None
    try:
        server = TemporaryPostgres(durable=args.durable, keep=args.keep)
        server.start()
        _say(f"PostgreSQL {server.bindir.parent.name} at {server.url}")
        proc = subprocess.Popen(command, env={**os.environ, **server.env()})
        try:
            returncode = proc.wait()
        except KeyboardInterrupt:
            # The terminal sent SIGINT to CMD too; give it a moment to finish on its own.
            try:
                returncode = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                returncode = 130
        return 128 - returncode if returncode < 0 else returncode
    except PostgresError as exc:
        _say(str(exc))
        return 1
    except FileNotFoundError as exc:
        _say(f"cannot run {command[0]}: {exc}")
        return 127
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
