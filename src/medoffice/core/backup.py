"""Encrypted backups and their restore (SECURITY.md DU-02, DP-03).

A backup is one file: a header, then the payload sealed in chunks with AES-256-GCM
(the STREAM construction: each chunk's nonce is a random per-file prefix, the chunk's
number and a last-chunk flag, and every chunk authenticates the header). A flipped
byte, a reordered, missing or added chunk, a cut-off end or the wrong key is refused
before anything is written. The payload is a gzip'd tar of the database snapshot
(SQLite online backup, or `pg_dump --format=custom` on PostgreSQL), the uploaded files
and a manifest.

The key comes from MEDOFFICE_BACKUP_KEY (base64 of 32 bytes) or from the file
`backup.key` in MEDOFFICE_VAR_DIR, created (mode 0600) on first use. Each file gets
its own key from it (HKDF with a random salt). Keep the key apart from the backups:
a backup without its key cannot be read by anyone, including you.
"""

import base64
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection
from django.utils import timezone

MAGIC = b"MEDOFFICE-BACKUP"
VERSION = 1
SALT_BYTES = 16
PREFIX_BYTES = 7
HEADER = struct.Struct(f">{len(MAGIC)}sB{SALT_BYTES}s{PREFIX_BYTES}s")
CHUNK_BYTES = 1 << 20
LENGTH = struct.Struct(">I")
TAG_BYTES = 16
KEY_FILE = "backup.key"


class BackupError(Exception):
    """A backup that cannot be read or restored; nothing was changed."""


# --- The key ---


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise BackupError(f"{where} is not base64") from exc
    if len(key) != 32:
        raise BackupError(f"{where} must hold 32 bytes (base64), not {len(key)}")
    return key


def backup_key(*, create: bool) -> bytes:
    """The master backup key: the variable, else the key file (made on first backup)."""
    from_env = os.environ.get("MEDOFFICE_BACKUP_KEY", "")
    if from_env:
        return _decode_key(from_env, "MEDOFFICE_BACKUP_KEY")
    path = settings.VAR_DIR / KEY_FILE
    if not path.exists():
        if not create:
            raise BackupError(
                f"no backup key: set MEDOFFICE_BACKUP_KEY or put the key file at {path}"
            )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return _decode_key(path.read_text(), str(path))


def _file_key(master: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"medoffice backup v1")
    return AESGCM(hkdf.derive(master))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


# --- The sealed container (pure: bytes in, bytes out) ---


class SealedWriter:
    """A write-only file object that seals what it is given into `out`."""

    def __init__(self, out, master: bytes):
        salt, self._prefix = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(PREFIX_BYTES)
        self._header = HEADER.pack(MAGIC, VERSION, salt, self._prefix)
        self._aead = _file_key(master, salt)
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        out.write(self._header)

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:  # keep one back: the last chunk is flagged
            self._emit(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        if self._counter >= 2**32 - 1:
            raise BackupError("backup too large for one file")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._header)
        self._out.write(LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()


def open_sealed(stream, master: bytes) -> Iterator[bytes]:
    """Yield the authenticated plaintext chunks of a sealed stream; raise BackupError at the
    first sign of damage (after the last good chunk: callers keep nothing until the end)."""
    header = stream.read(HEADER.size)
    if len(header) != HEADER.size:
        raise BackupError("not a MedOffice backup (too short)")
    magic, version, salt, prefix = HEADER.unpack(header)
    if magic != MAGIC:
        raise BackupError("not a MedOffice backup")
    if version != VERSION:
        raise BackupError(f"backup format version {version} is not supported")
    aead = _file_key(master, salt)
    counter = 0
    while True:
        length = stream.read(LENGTH.size)
        if len(length) != LENGTH.size:
            raise BackupError("backup is truncated (its last part is missing)")
        (size,) = LENGTH.unpack(length)
        if size < TAG_BYTES or size > CHUNK_BYTES + TAG_BYTES:
            raise BackupError(f"backup is damaged (part {counter})")
        sealed = stream.read(size)
        if len(sealed) != size:
            raise BackupError("backup is truncated")
        for last in (False, True):
            try:
                chunk = aead.decrypt(_nonce(prefix, counter, last), sealed, header)
                break
            except InvalidTag:
                continue
        else:
            raise BackupError(
                f"backup is damaged or altered (part {counter}), or the key is not the one"
                " it was made with"
            )
        yield chunk
        counter += 1
        if last:
            if stream.read(1):
                raise BackupError("backup has data after its end")
            return


# --- Database snapshots ---


def _vendor() -> str:
    return connection.vendor


def _pg_env() -> dict:
    db = connection.settings_dict
    env = os.environ.copy()
    env.update(
        {
            "PGHOST": str(db.get("HOST") or ""),
            "PGPORT": str(db.get("PORT") or ""),
            "PGUSER": str(db.get("USER") or ""),
            "PGPASSWORD": str(db.get("PASSWORD") or ""),
            "PGDATABASE": str(db["NAME"]),
        }
    )
    return {k: v for k, v in env.items() if v != ""}


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return str(candidates[-1])


def _snapshot_database(target: Path) -> str:
    """Write a consistent copy of the database to `target`; return its file name."""
    if _vendor() == "sqlite":
        connection.ensure_connection()
        path = target / "database.sqlite3"
        copy = sqlite3.connect(path)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return path.name
    path = target / "database.pgdump"
    subprocess.run(  # noqa: S603 - our own arguments, no shell
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "-f", path],
        env=_pg_env(),
        check=True,
        capture_output=True,
    )
    return path.name


def backup_create(*, output: Path | None = None) -> Path:
    """Write an encrypted backup of the database and the uploaded files; return its path."""
    from medoffice.core.audit import audit_record
    from medoffice.core.models import AuditAction

    master = backup_key(create=True)
    now = timezone.now()
    if output is None:
        folder = settings.VAR_DIR / "backups"
        folder.mkdir(mode=0o700, exist_ok=True)
        output = folder / f"medoffice-{now:%Y%m%dT%H%M%SZ}.backup"
    output = Path(output)
    # The backup is an export of everything: its own audit entry travels inside it.
    audit_record(
        action=AuditAction.EXPORT,
        object_type="core.backup",
        category="backup",
        detail=f"encrypted backup {output.name}",
    )
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix="backup-") as work:
        work_dir = Path(work)
        database = _snapshot_database(work_dir)
        manifest = {
            "format": VERSION,
            "vendor": _vendor(),
            "database": database,
            "created_at": now.isoformat(),
        }
        (work_dir / "manifest.json").write_text(json.dumps(manifest))
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            sealed = SealedWriter(out, master)
            with tarfile.open(fileobj=sealed, mode="w|gz") as tar:
                tar.add(work_dir / "manifest.json", arcname="manifest.json")
                tar.add(work_dir / database, arcname=database)
                if settings.FILES_DIR.is_dir():
                    tar.add(settings.FILES_DIR, arcname="files")
            sealed.close()
            out.flush()
            os.fsync(out.fileno())
    os.replace(partial, output)
    return output


# --- Restore ---


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] > 0
    finally:
        db.close()


def _unseal_to(path: Path, staging: Path, master: bytes) -> Path:
    payload = staging / "payload.tar.gz"
    with path.open("rb") as stream, payload.open("wb") as out:
        for chunk in open_sealed(stream, master):
            out.write(chunk)
    return payload


def backup_restore(*, path: Path, into: Path | None = None, force: bool = False) -> dict:
    """Restore a backup into an empty database (or any with `force`) and its files folder.

    `into` is a MEDOFFICE_VAR_DIR to restore a SQLite backup into (its medoffice.sqlite3
    and files/); without it, the configured database and files folder. The whole file is
    authenticated before anything is written; a refusal changes nothing.
    """
    path = Path(path)
    master = backup_key(create=False)
    vendor = _vendor()
    if into is not None and vendor != "sqlite":
        raise BackupError("--into is for SQLite; for PostgreSQL set DATABASE_URL to the target")
    target_db = Path(into) / "medoffice.sqlite3" if into else None
    if vendor == "sqlite" and target_db is None:
        target_db = Path(connection.settings_dict["NAME"])
    files_dir = Path(into) / "files" if into else settings.FILES_DIR
    if not force:
        if vendor == "sqlite" and _sqlite_has_tables(target_db):
            raise BackupError(f"{target_db} is not empty: restore into a fresh one, or --force")
        if vendor == "postgresql" and connection.introspection.table_names():
            raise BackupError("the target database is not empty: use a fresh one, or --force")
        if files_dir.is_dir() and any(files_dir.iterdir()):
            raise BackupError(f"{files_dir} is not empty: restore into a fresh one, or --force")
    staging_parent = Path(into) if into else settings.VAR_DIR
    staging_parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging_parent, prefix="restore-") as work:
        staging = Path(work)
        payload = _unseal_to(path, staging, master)
        unpacked = staging / "payload"
        with tarfile.open(payload, mode="r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        manifest = json.loads((unpacked / "manifest.json").read_text())
        if manifest.get("vendor") != vendor:
            raise BackupError(
                f"this is a {manifest.get('vendor')} backup; the target database is {vendor}"
            )
        staged_db = unpacked / manifest["database"]
        if vendor == "sqlite":
            _restore_sqlite(staged_db, target_db)
        else:
            _restore_postgres(staged_db, force=force)
        if (unpacked / "files").is_dir():
            files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copytree(unpacked / "files", files_dir, dirs_exist_ok=True)
    return manifest


def _restore_sqlite(staged: Path, target: Path) -> None:
    source = sqlite3.connect(staged)
    try:
        (check,) = source.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise BackupError(f"the database in the backup fails its integrity check: {check}")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
            destination.execute("PRAGMA journal_mode=WAL")
        finally:
            destination.close()
    finally:
        source.close()
    target.chmod(0o600)


def _restore_postgres(staged: Path, *, force: bool) -> None:
    connection.close()
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    if force:
        command += ["--clean", "--if-exists"]
    else:
        command += ["--single-transaction"]
    result = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [*command, "--dbname", connection.settings_dict["NAME"], str(staged)],
        env=_pg_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["pg_restore failed"])[-1]
        raise BackupError(f"pg_restore: {reason}")
