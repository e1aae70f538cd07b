"""A real Dovecot IMAP server for tests, configured and started in a temporary folder as the
current user: its own config, a passwd-file user database, Maildir storage, TLS with a self-signed
certificate made here, listening on 127.0.0.1 and a free port. Debian package: dovecot-imapd."""

import datetime
import getpass
import grp
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "support"
PASSWORD = "imap-test-password"


@dataclass(frozen=True)
class Dovecot:
    port: int
    certificate: Path  # trust this (SSL_CERT_FILE) to verify the server
    maildir: Path

    def deliver(self, name: str, raw: bytes) -> None:
        """Drop a mail into INBOX the way an MTA does (Maildir: write in tmp/, rename to new/)."""
        temporary = self.maildir / "tmp" / name
        temporary.write_bytes(raw)
        temporary.rename(self.maildir / "new" / name)


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accounts() -> tuple[str, str, int, int]:
    """(login user, internal user, mail uid, mail gid): the current user; as root (CI containers),
    Debian's unprivileged dovenull/dovecot accounts, since Dovecot refuses to log in or serve mail
    as root."""
    if os.getuid() != 0:
        return getpass.getuser(), getpass.getuser(), os.getuid(), os.getgid()
    internal = pwd.getpwnam("dovecot")
    return "dovenull", "dovecot", internal.pw_uid, internal.pw_gid


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if not os.path.exists(DOVECOT):
        pytest.fail("dovecot is not installed: install dovecot-imapd (make test does it)")
    # Not under pytest's tmp_path: that is private to us, and Dovecot's unprivileged processes
    # must reach their sockets and the mailbox.
    base = Path(tempfile.mkdtemp(prefix="omniline-dovecot-"))
    try:
        yield from _run_dovecot(base)
    finally:
        if not os.environ.get("OMNILINE_KEEP_DOVECOT"):
            shutil.rmtree(base, ignore_errors=True)


def _run_dovecot(base: Path) -> Iterator[Dovecot]:
    base.chmod(0o755)
    (base / "run").mkdir(parents=True)
    maildir = base / "mail" / USER
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    login_user, internal_user, mail_uid, mail_gid = _accounts()
    for folder in (base / "mail", maildir, *(maildir / sub for sub in ("cur", "new", "tmp"))):
        os.chown(folder, mail_uid, mail_gid)
    cert, key = _certificate(base)
    user, group = internal_user, grp.getgrgid(mail_gid).gr_name
    (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{mail_uid}:{mail_gid}::{maildir}::\n")
    port = _free_port()
    config = base / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {base / "run"}
state_dir = {base / "state"}
instance_name = omniline-test-{port}
protocols = imap
listen = 127.0.0.1
default_login_user = {login_user}
default_internal_user = {user}
default_internal_group = {group}
log_path = {base / "dovecot.log"}
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = {base / "passwd"}
}}
userdb {{
  driver = passwd-file
  args = {base / "passwd"}
}}
mail_location = maildir:~
first_valid_uid = {mail_uid}
last_valid_uid = {mail_uid}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  mailbox Processed {{
    auto = create
  }}
}}
"""
    )
    (base / "state").mkdir()
    # In the foreground (-F) as our own child: stopped by its pid, never by name.
    with (base / "stderr.log").open("wb") as errors:
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=errors
        )
    try:
        _wait_for_tls(port, cert, process)
        yield Dovecot(port, cert, maildir)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_tls(port: int, cert: Path, process: "subprocess.Popen[bytes]") -> None:
    context = ssl.create_default_context(cafile=str(cert))
    deadline = time.monotonic() + 10
    while True:
        try:
            with (
                socket.create_connection(("127.0.0.1", port), timeout=1) as raw,
                context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
            ):
                tls.recv(100)
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(
                    f"dovecot exited with {process.returncode}; see its log in the tmp folder"
                ) from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
