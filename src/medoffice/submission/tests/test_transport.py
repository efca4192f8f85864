"""File-drop and SFTP transports (the SFTP one against a fake client, no server), the setting
that picks one, and the poll that imports what arrived."""

from __future__ import annotations

import io
import stat
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from medoffice.config.env import ConfigError, env_choice
from medoffice.submission.transport import (
    FileDropTransport,
    SftpTransport,
    get_transport,
)

BATCH = SimpleNamespace(file_name="837P_87726_20260302_000000041.x12", content="ISA*00*~")


def test_file_drop_send_and_receive(tmp_path):
    transport = FileDropTransport(tmp_path / "out", tmp_path / "in")
    where = transport.send(BATCH)
    assert (tmp_path / "out" / BATCH.file_name).read_text() == BATCH.content
    assert where.endswith(BATCH.file_name)
    assert not list((tmp_path / "out").glob("*.part"))
    assert transport.receive() == []  # no inbox yet
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "b.999").write_bytes(b"999 text")
    (inbox / "a.277").write_bytes(b"277 text")
    (inbox / "c.999.part").write_bytes(b"still arriving")
    (inbox / ".hidden").write_bytes(b"x")
    assert transport.receive() == [("a.277", b"277 text"), ("b.999", b"999 text")]
    transport.done("a.277")
    assert transport.receive() == [("b.999", b"999 text")]
    assert (inbox / "done" / "a.277").read_bytes() == b"277 text"


@dataclass
class _Entry:
    filename: str
    st_mode: int


class FakeSftp:
    """The part of paramiko's SFTPClient the transport uses, over a dict of paths."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.files = dict(files or {})
        self.dirs = {"outbound/archive"}
        self.calls: list[str] = []
        self.closed = 0

    def putfo(self, handle, path):
        self.calls.append(f"putfo {path}")
        self.files[path] = handle.read()

    def rename(self, old, new):
        self.calls.append(f"rename {old} {new}")
        self.files[new] = self.files.pop(old)

    def listdir_attr(self, folder):
        entries = [
            _Entry(path.split("/")[-1], stat.S_IFREG | 0o644)
            for path in self.files
            if path.rsplit("/", 1)[0] == folder
        ]
        entries += [
            _Entry(d.split("/")[-1], stat.S_IFDIR | 0o755)
            for d in self.dirs
            if d.rsplit("/", 1)[0] == folder
        ]
        return entries

    def open(self, path, mode):
        assert mode == "rb"
        return io.BytesIO(self.files[path])

    def remove(self, path):
        self.calls.append(f"remove {path}")
        del self.files[path]

    def close(self):
        self.closed += 1


def test_sftp_send_writes_then_renames():
    fake = FakeSftp()
    transport = SftpTransport(host="sftp.example", client_factory=lambda: fake)
    where = transport.send(BATCH)
    name = BATCH.file_name
    assert fake.calls == [
        f"putfo inbound/{name}.part",
        f"rename inbound/{name}.part inbound/{name}",
    ]
    assert fake.files == {f"inbound/{name}": BATCH.content.encode()}
    assert where == f"sftp://sftp.example/inbound/{name}" and fake.closed == 1


def test_sftp_receive_and_done():
    fake = FakeSftp(
        {"outbound/x.999": b"a", "outbound/y.277": b"b", "outbound/z.part": b"c", "inbound/q": b""}
    )
    transport = SftpTransport(host="h", client_factory=lambda: fake)
    assert transport.receive() == [("x.999", b"a"), ("y.277", b"b")]  # no folders, no .part
    transport.done("x.999")
    assert "outbound/x.999" not in fake.files
    assert transport.receive() == [("y.277", b"b")]
    assert fake.closed == 3


def test_sftp_client_is_closed_when_sending_fails():
    fake = FakeSftp()
    fake.rename = lambda old, new: (_ for _ in ()).throw(OSError("permission denied"))
    transport = SftpTransport(host="h", client_factory=lambda: fake)
    with pytest.raises(OSError, match="permission denied"):
        transport.send(BATCH)
    assert fake.closed == 1


def test_sftp_needs_its_settings():
    with pytest.raises(ImproperlyConfigured, match="MEDOFFICE_SFTP_HOST"):
        SftpTransport(host="", user="", key_file="")


def test_setting_picks_the_transport(tmp_path):
    with override_settings(
        CLEARINGHOUSE_TRANSPORT="filedrop",
        CLEARINGHOUSE_OUTBOX=tmp_path / "o",
        CLEARINGHOUSE_INBOX=tmp_path / "i",
    ):
        transport = get_transport()
        assert isinstance(transport, FileDropTransport) and transport.outbox == tmp_path / "o"
    with override_settings(
        CLEARINGHOUSE_TRANSPORT="sftp", SFTP_HOST="sftp.example", SFTP_USER="mo",
        SFTP_KEY_FILE="/keys/id_ed25519", SFTP_PORT=2222, SFTP_REMOTE_INBOX="to-us",
    ):  # fmt: skip
        transport = get_transport()
        assert isinstance(transport, SftpTransport)
        assert (transport.port, transport.remote_inbox) == (2222, "to-us")


def test_env_choice():
    assert env_choice("T", ("filedrop", "sftp"), "filedrop", environ={}) == "filedrop"
    assert env_choice("T", ("filedrop", "sftp"), "filedrop", environ={"T": " SFTP "}) == "sftp"
    with pytest.raises(ConfigError, match="T must be one of filedrop, sftp"):
        env_choice("T", ("filedrop", "sftp"), "filedrop", environ={"T": "ftp"})
