"""How batch files reach the clearinghouse and its answers come back.

`Transport.send(batch)` puts one 837P file out; `receive()` returns the files waiting for us
(999, 277CA) as (name, bytes) without removing them; `done(name)` clears one after it was
imported, so a file whose import failed stays for a person to look at. Importing is
idempotent (sha256), so receiving a file twice is harmless.

- filedrop (default): outbox/inbox folders on a disk the clearinghouse's agent also sees
  (MEDOFFICE_CLEARINGHOUSE_OUTBOX/INBOX, under MEDOFFICE_VAR_DIR/clearinghouse by default).
- sftp: the clearinghouse's SFTP server with a key (MEDOFFICE_SFTP_*); needs the `sftp` extra
  (paramiko). Host keys are checked against known_hosts; an unknown host is refused.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PARTIAL_SUFFIX = ".part"  # written under this name, renamed when complete


class Transport(Protocol):
    def send(self, batch: Any) -> str: ...

    def receive(self) -> list[tuple[str, bytes]]: ...

    def done(self, name: str) -> None: ...


def _is_incoming(name: str) -> bool:
    return not name.startswith(".") and not name.endswith(PARTIAL_SUFFIX)


class FileDropTransport:
    def __init__(self, outbox: Path, inbox: Path) -> None:
        self.outbox = Path(outbox)
        self.inbox = Path(inbox)

    def send(self, batch: Any) -> str:
        self.outbox.mkdir(parents=True, exist_ok=True)
        target = self.outbox / batch.file_name
        partial = target.with_name(target.name + PARTIAL_SUFFIX)
        partial.write_bytes(batch.content.encode("utf-8"))
        os.replace(partial, target)  # the pickup agent never sees half a file
        return str(target)

    def receive(self) -> list[tuple[str, bytes]]:
        if not self.inbox.is_dir():
            return []
        return [
            (path.name, path.read_bytes())
            for path in sorted(self.inbox.iterdir())
            if path.is_file() and _is_incoming(path.name)
        ]

    def done(self, name: str) -> None:
        archive = self.inbox / "done"
        archive.mkdir(exist_ok=True)
        os.replace(self.inbox / Path(name).name, archive / Path(name).name)


class SftpTransport:
    """`client_factory` returns an SFTP client (paramiko's SFTPClient or anything with putfo,
    rename, listdir_attr, open, remove and close); by default one is opened with paramiko."""

    def __init__(
        self, *, host: str, port: int = 22, user: str = "", key_file: str = "",
        remote_outbox: str = "inbound", remote_inbox: str = "outbound", known_hosts: str = "",
        client_factory: Callable[[], Any] | None = None,
    ) -> None:  # fmt: skip
        if client_factory is None and not (host and user and key_file):
            raise ImproperlyConfigured(
                "SFTP transport needs MEDOFFICE_SFTP_HOST, MEDOFFICE_SFTP_USER and "
                "MEDOFFICE_SFTP_KEY_FILE."
            )
        self.host, self.port, self.user, self.key_file = host, port, user, key_file
        self.remote_outbox = remote_outbox.rstrip("/")
        self.remote_inbox = remote_inbox.rstrip("/")
        self.known_hosts = known_hosts
        self.client_factory = client_factory or self._paramiko_client

    def _paramiko_client(self) -> Any:
        try:
            import paramiko
        except ImportError:
            raise ImproperlyConfigured(
                "The SFTP transport needs paramiko: pip install 'medoffice[sftp]'."
            ) from None
        ssh = paramiko.SSHClient()
        ssh.load_system_host_keys()
        if self.known_hosts:
            ssh.load_host_keys(self.known_hosts)
        ssh.set_missing_host_key_policy(paramiko.RejectPolicy())
        ssh.connect(
            self.host, port=self.port, username=self.user, key_filename=self.key_file,
            look_for_keys=False, allow_agent=False, timeout=30,
        )  # fmt: skip
        sftp = ssh.open_sftp()
        original_close = sftp.close

        def close() -> None:
            original_close()
            ssh.close()

        sftp.close = close
        return sftp

    def _path(self, folder: str, name: str) -> str:
        return f"{folder}/{name}" if folder else name

    def send(self, batch: Any) -> str:
        client = self.client_factory()
        try:
            target = self._path(self.remote_outbox, batch.file_name)
            partial = target + PARTIAL_SUFFIX
            client.putfo(io.BytesIO(batch.content.encode("utf-8")), partial)
            client.rename(partial, target)
        finally:
            client.close()
        return f"sftp://{self.host}/{target}"

    def receive(self) -> list[tuple[str, bytes]]:
        client = self.client_factory()
        try:
            files = []
            entries = sorted(client.listdir_attr(self.remote_inbox), key=lambda e: e.filename)
            for entry in entries:
                if not stat.S_ISREG(entry.st_mode or 0) or not _is_incoming(entry.filename):
                    continue
                with client.open(self._path(self.remote_inbox, entry.filename), "rb") as handle:
                    files.append((entry.filename, handle.read()))
            return files
        finally:
            client.close()

    def done(self, name: str) -> None:
        client = self.client_factory()
        try:
            client.remove(self._path(self.remote_inbox, name))
        finally:
            client.close()


def get_transport() -> Transport:
    """The transport the settings name (MEDOFFICE_CLEARINGHOUSE_TRANSPORT)."""
    if settings.CLEARINGHOUSE_TRANSPORT == "sftp":
        return SftpTransport(
            host=settings.SFTP_HOST, port=settings.SFTP_PORT, user=settings.SFTP_USER,
            key_file=settings.SFTP_KEY_FILE, remote_outbox=settings.SFTP_REMOTE_OUTBOX,
            remote_inbox=settings.SFTP_REMOTE_INBOX, known_hosts=settings.SFTP_KNOWN_HOSTS,
        )  # fmt: skip
    return FileDropTransport(settings.CLEARINGHOUSE_OUTBOX, settings.CLEARINGHOUSE_INBOX)
