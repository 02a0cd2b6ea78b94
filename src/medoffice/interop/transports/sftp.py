"""The SFTP exchange (paramiko): upload to the clearinghouse's directory, list and download its
answers, move each one aside once dealt with.

The server's host key is pinned (given in the connection's configuration, as
`ssh-keyscan` prints it): an unknown or changed key refuses the connection.
Authentication by a private key file or a password read from the environment
by the caller; never an agent, never keys found on the machine by chance.
"""

import io
import posixpath
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import paramiko

from medoffice.interop.transports.exchange import (
    PROCESSED,
    SET_ASIDE_FOLDERS,
    ExchangeUnavailable,
    safe_name,
)

TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SftpSettings:
    host: str
    port: int
    username: str
    host_key: str  # "ssh-ed25519 AAAA..." (a comment after the key is ignored)
    key_path: str = ""
    password: str = ""
    remote_outbox: str = "outbound"
    remote_inbox: str = "inbound"
    remote_archive: str = ""  # blank: <remote_inbox>/processed
    timeout: float = TIMEOUT_SECONDS


def _pinned_key(text: str) -> paramiko.PKey:
    parts = text.split()
    if len(parts) < 2:
        raise ExchangeUnavailable("the configured host key is not 'TYPE BASE64'")
    try:
        return paramiko.PKey.from_type_string(parts[0], _b64(parts[1]))
    except Exception as exc:  # noqa: BLE001 - paramiko raises several kinds for a bad key
        raise ExchangeUnavailable(f"the configured host key cannot be read ({parts[0]})") from exc


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


class SftpExchange:
    def __init__(self, settings: SftpSettings) -> None:
        self.settings = settings
        self._sftp: paramiko.SFTPClient | None = None

    @contextmanager
    def session(self) -> Iterator["SftpExchange"]:
        s = self.settings
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        known = s.host if s.port == 22 else f"[{s.host}]:{s.port}"
        key = _pinned_key(s.host_key)
        client.get_host_keys().add(known, key.get_name(), key)
        try:
            pkey = paramiko.PKey.from_path(s.key_path) if s.key_path else None
        except (OSError, paramiko.SSHException) as exc:
            raise ExchangeUnavailable(f"cannot read the private key file {s.key_path}") from exc
        try:
            client.connect(
                s.host, port=s.port, username=s.username, pkey=pkey,
                password=s.password or None, look_for_keys=False, allow_agent=False,
                timeout=s.timeout, banner_timeout=s.timeout, auth_timeout=s.timeout,
            )  # fmt: skip
            self._sftp = client.open_sftp()
            self._sftp.get_channel().settimeout(s.timeout)
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise ExchangeUnavailable(
                f"{s.host}:{s.port} answered with a different host key than configured: "
                "refused (check with the clearinghouse before changing it)"
            ) from exc
        except paramiko.AuthenticationException as exc:
            client.close()
            raise ExchangeUnavailable(
                f"{s.host}:{s.port} refused the login of {s.username}"
            ) from exc
        except (OSError, paramiko.SSHException, EOFError) as exc:
            client.close()
            raise ExchangeUnavailable(f"cannot reach {s.host}:{s.port}: {_why(exc)}") from exc
        try:
            yield self
        finally:
            with suppress(Exception):
                self._sftp.close()
            client.close()
            self._sftp = None

    @property
    def sftp(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            raise RuntimeError("use inside session()")
        return self._sftp

    def upload(self, name: str, data: bytes) -> str:
        name = safe_name(name)
        final = posixpath.join(self.settings.remote_outbox, name)
        temporary = posixpath.join(self.settings.remote_outbox, f".{name}.part")
        try:
            there = self._existing(final)
            if there == data:  # an earlier try wrote it and was not recorded
                return f"sftp://{self.settings.host}:{self.settings.port}/{final}"
            if there is not None:
                raise ExchangeUnavailable(f"{name} is already in the outbox with other content")
            self.sftp.putfo(io.BytesIO(data), temporary, file_size=len(data), confirm=True)
            self.sftp.posix_rename(temporary, final)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            with suppress(Exception):
                self.sftp.remove(temporary)
            raise ExchangeUnavailable(f"upload of {name} failed: {_why(exc)}") from exc
        return f"sftp://{self.settings.host}:{self.settings.port}/{final}"

    def _existing(self, path: str) -> bytes | None:
        """The file at `path` on the server, or None when there is none."""
        buffer = io.BytesIO()
        try:
            self.sftp.getfo(path, buffer)
        except FileNotFoundError:
            return None
        return buffer.getvalue()

    def incoming(self) -> list[str]:
        try:
            entries = self.sftp.listdir_attr(self.settings.remote_inbox)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise ExchangeUnavailable(
                f"cannot list {self.settings.remote_inbox}: {_why(exc)}"
            ) from exc
        return sorted(
            e.filename
            for e in entries
            if e.st_mode is not None and stat.S_ISREG(e.st_mode) and not e.filename.startswith(".")
        )

    def download(self, name: str) -> bytes:
        buffer = io.BytesIO()
        try:
            self.sftp.getfo(posixpath.join(self.settings.remote_inbox, safe_name(name)), buffer)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise ExchangeUnavailable(f"download of {name} failed: {_why(exc)}") from exc
        return buffer.getvalue()

    def _folder(self, folder: str) -> str:
        if folder == PROCESSED and self.settings.remote_archive:
            return self.settings.remote_archive
        return posixpath.join(self.settings.remote_inbox, folder)

    def set_aside(self, name: str, folder: str) -> str:
        if folder not in SET_ASIDE_FOLDERS:
            raise ValueError(folder)
        directory = self._folder(folder)
        source = posixpath.join(self.settings.remote_inbox, safe_name(name))
        try:
            with suppress(OSError):
                self.sftp.mkdir(directory, mode=0o700)
            target = posixpath.join(directory, name)
            n = 0
            while _exists(self.sftp, target):
                n += 1
                target = posixpath.join(directory, f"{name}.{n}")
            self.sftp.posix_rename(source, target)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise ExchangeUnavailable(f"cannot move {name} aside: {_why(exc)}") from exc
        return target


def _exists(sftp: paramiko.SFTPClient, path: str) -> bool:
    try:
        sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def _why(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.splitlines()[0][:150]
