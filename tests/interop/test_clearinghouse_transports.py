"""The clearinghouse exchange's transports: a pair of folders, and SFTP against a real OpenSSH
server on loopback (upload, list, download, set aside; a down server, a wrong host key)."""

import pytest

from medoffice.interop.transports.exchange import PROCESSED, QUARANTINE, ExchangeUnavailable
from medoffice.interop.transports.folder import FolderExchange
from medoffice.interop.transports.sftp import SftpExchange, SftpSettings
from tests.interop.sshd import free_port, start_sshd, stop_sshd

BATCH = b"ISA*00*          *00*          *ZZ*SENDER~IEA*1*000000001~"


@pytest.fixture
def sshd(tmp_path_factory):
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    (server.root / "outbound").mkdir()
    (server.root / "inbound").mkdir()
    yield server
    stop_sshd(server)


def sftp_for(server, **changes) -> SftpExchange:
    values = {
        "host": "127.0.0.1", "port": server.port, "username": server.user,
        "host_key": server.host_key, "key_path": str(server.user_key_path),
        "remote_outbox": str(server.root / "outbound"),
        "remote_inbox": str(server.root / "inbound"), "timeout": 5,
    } | changes  # fmt: skip
    return SftpExchange(SftpSettings(**values))


def test_folder_exchange_writes_whole_files_and_sets_answers_aside(tmp_path):
    exchange = FolderExchange(tmp_path / "out", tmp_path / "in")
    with exchange.session() as session:
        session.upload("837P_000000001.x12", BATCH)
        (tmp_path / "in" / "b.999").write_bytes(b"999")
        (tmp_path / "in" / "a.277").write_bytes(b"277")
        (tmp_path / "in" / ".c.part").write_bytes(b"half")
        assert session.incoming() == ["a.277", "b.999"]
        assert session.download("b.999") == b"999"
        session.set_aside("b.999", PROCESSED)
        session.set_aside("a.277", QUARANTINE)
        assert session.incoming() == []
    assert (tmp_path / "out" / "837P_000000001.x12").read_bytes() == BATCH
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["837P_000000001.x12"]
    assert (tmp_path / "in" / PROCESSED / "b.999").read_bytes() == b"999"
    assert (tmp_path / "in" / QUARANTINE / "a.277").exists()


def test_folder_exchange_never_overwrites_a_file_in_the_outbox(tmp_path):
    exchange = FolderExchange(tmp_path / "out", tmp_path / "in")
    with exchange.session() as session:
        first = session.upload("837P_1.x12", BATCH)
        with pytest.raises(ExchangeUnavailable, match="already in the outbox with other"):
            session.upload("837P_1.x12", b"other")
        # The same bytes again (a retry whose first try was not recorded): delivered.
        assert session.upload("837P_1.x12", BATCH) == first
    assert (tmp_path / "out" / "837P_1.x12").read_bytes() == BATCH
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["837P_1.x12"]


def test_sftp_never_overwrites_a_file_in_the_outbox(sshd):
    with sftp_for(sshd).session() as session:
        first = session.upload("837P_000000008.x12", BATCH)
        with pytest.raises(ExchangeUnavailable, match="already in the outbox with other"):
            session.upload("837P_000000008.x12", b"other")
        assert session.upload("837P_000000008.x12", BATCH) == first
    assert (sshd.root / "outbound" / "837P_000000008.x12").read_bytes() == BATCH


def test_folder_exchange_refuses_names_that_are_paths(tmp_path):
    exchange = FolderExchange(tmp_path / "out", tmp_path / "in")
    with exchange.session() as session, pytest.raises(ValueError, match="plain file name"):
        session.upload("../escape.x12", BATCH)


def test_sftp_uploads_lists_downloads_and_sets_aside(sshd):
    (sshd.root / "inbound" / "answer.999").write_bytes(b"999 answer")
    with sftp_for(sshd).session() as session:
        where = session.upload("837P_000000007.x12", BATCH)
        assert where.endswith("/outbound/837P_000000007.x12")
        assert session.incoming() == ["answer.999"]
        assert session.download("answer.999") == b"999 answer"
        session.set_aside("answer.999", PROCESSED)
        assert session.incoming() == []
    assert (sshd.root / "outbound" / "837P_000000007.x12").read_bytes() == BATCH
    assert sorted(p.name for p in (sshd.root / "outbound").iterdir()) == ["837P_000000007.x12"]
    assert (sshd.root / "inbound" / PROCESSED / "answer.999").read_bytes() == b"999 answer"


def test_sftp_moves_picked_up_files_to_the_configured_archive(sshd):
    (sshd.root / "archive").mkdir()
    (sshd.root / "inbound" / "x.277").write_bytes(b"277")
    with sftp_for(sshd, remote_archive=str(sshd.root / "archive")).session() as session:
        session.set_aside("x.277", PROCESSED)
    assert (sshd.root / "archive" / "x.277").exists()


def test_sftp_refuses_a_server_with_another_host_key(sshd, tmp_path):
    from tests.interop.sshd import _keygen

    _keygen(tmp_path / "other")
    other = " ".join((tmp_path / "other.pub").read_text().split()[:2])
    exchange = sftp_for(sshd, host_key=other)
    with pytest.raises(ExchangeUnavailable, match="different host key"), exchange.session():
        pass


def test_sftp_says_why_when_the_login_is_refused(sshd, tmp_path):
    from tests.interop.sshd import _keygen

    _keygen(tmp_path / "stranger")
    exchange = sftp_for(sshd, key_path=str(tmp_path / "stranger"))
    with pytest.raises(ExchangeUnavailable, match="refused the login"), exchange.session():
        pass


def test_sftp_to_a_server_that_is_down_is_unavailable_not_a_crash(sshd):
    exchange = sftp_for(sshd, port=free_port(), timeout=2)
    with pytest.raises(ExchangeUnavailable, match="cannot reach 127.0.0.1"), exchange.session():
        pass
