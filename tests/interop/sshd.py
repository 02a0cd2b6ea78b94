"""A real OpenSSH server on loopback for the SFTP exchange tests (Debian openssh-server).

Started as root with its own host key, its own authorized_keys, password login off and
`Subsystem sftp internal-sftp`; stopped at the end of the test. Tests are skipped with a
clear notice where sshd is not installed or we are not root (sshd refuses otherwise).
"""

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SshServer:
    port: int
    user: str
    host_key: str  # "ssh-ed25519 AAAA..."
    user_key_path: Path
    root: Path  # a directory on the server for the remote folders
    process: subprocess.Popen


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def start_sshd(tmp: Path) -> SshServer:
    if not Path(SSHD).exists() or shutil.which("ssh-keygen") is None:
        pytest.skip("SKIPPED: OpenSSH server not installed (apt-get install openssh-server)")
    if os.geteuid() != 0:
        pytest.skip("SKIPPED: sshd needs root to start on loopback in this test")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege-separation directory
    tmp.chmod(0o755)
    _keygen(tmp / "host_key")
    _keygen(tmp / "user_key")
    authorized = tmp / "authorized_keys"
    authorized.write_text((tmp / "user_key.pub").read_text())
    authorized.chmod(0o600)
    root = tmp / "remote"
    root.mkdir()
    port = free_port()
    config = tmp / "sshd_config"
    config.write_text(
        f"""Port {port}
ListenAddress 127.0.0.1
HostKey {tmp / "host_key"}
PidFile {tmp / "sshd.pid"}
AuthorizedKeysFile {authorized}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel ERROR
"""
    )
    process = subprocess.Popen(  # noqa: S603 - our own config on loopback
        [SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd did not start: {process.stderr.read().decode()[:500]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.05)
    host_key = " ".join((tmp / "host_key.pub").read_text().split()[:2])
    user = pwd.getpwuid(os.geteuid()).pw_name
    return SshServer(port, user, host_key, tmp / "user_key", root, process)


def stop_sshd(server: SshServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
