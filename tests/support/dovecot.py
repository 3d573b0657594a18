"""A private, real Dovecot for the IMAP tests: own config, own ports, own certificates.

Nothing of the machine's Dovecot is used but the binary: the configuration,
the runtime directory, the mail (Maildir) and the users (a passwd-file with
``{PLAIN}`` passwords) live in a temporary folder; the server listens on two
free high ports of 127.0.0.1, one for STARTTLS and one for implicit TLS, with a
certificate signed by a CA made for this test session. A second CA, which signed
nothing, is there to prove that an untrusted certificate is refused.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import secrets
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

from gateway.config.settings import ImapSettings
from tests.support.ports import free_port, port_open
from tests.support.waiting import PATIENCE

# TICKET_GATEWAY_TEST_DOVECOT: another binary, or a missing one to see the skip
DOVECOT = (
    os.environ.get("TICKET_GATEWAY_TEST_DOVECOT") or shutil.which("dovecot") or "/usr/sbin/dovecot"
)
PASSWORD = "s3cret-Pa55word"
USERS, LEGACY_USERS, KEEPING_USERS = 64, 8, 8
# Dovecot lets userdb fields override settings per user: an old server's capabilities
LEGACY_CAPABILITY = "userdb_imap_capability=IMAP4rev1"
# A server that answers OK and keeps the message: without the rights to flag \Deleted
# and expunge (ACL "t", "e") Dovecot ignores the \Deleted of a STORE and expunges
# nothing, and says OK to both (RFC 4314); without MOVE (which it would refuse) the
# poller copies, flags and expunges, and the message stays where it was, with its UID
KEEPING = "userdb_mail_plugins=acl userdb_acl=vfile:{acl} " + LEGACY_CAPABILITY
KEEPING_ACL = "INBOX owner lrwsip\n"


def missing_reason() -> str | None:
    """Why a private Dovecot cannot run here, or None when it can."""
    if not Path(DOVECOT).exists():
        return "dovecot is not installed (apt-get install dovecot-imapd)"
    if not shutil.which("openssl"):
        return "openssl is not installed (apt-get install openssl)"
    if os.geteuid() != 0:
        return "a private dovecot is started as root here (CI runs as root)"
    for user in ("dovecot", "dovenull", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"system user {user!r} missing (the dovecot-core package creates it)"
    return None


@dataclass(frozen=True)
class Certs:
    ca: Path  # signed the server certificate
    untrusted_ca: Path  # signed nothing: a client trusting only this one must refuse
    cert: Path
    key: Path


def make_certs(folder: Path) -> Certs:
    """A CA, a server certificate for 127.0.0.1 and localhost, and an unrelated CA."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("ca", "other-ca"):
        _openssl(
            folder,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "3",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.crt",
            "-subj",
            f"/CN=ticket-gateway test {name}",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        )
    _openssl(
        folder,
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    )
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    _openssl(
        folder,
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "3",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    )
    return Certs(
        folder / "ca.crt", folder / "other-ca.crt", folder / "server.crt", folder / "server.key"
    )


def _openssl(cwd: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@dataclass
class Dovecot:
    certs: Certs
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tg-dc-")))
    imap_port: int = field(default_factory=free_port)  # STARTTLS
    imaps_port: int = field(default_factory=free_port)  # implicit TLS
    process: subprocess.Popen[bytes] | None = None
    _users: list[str] = field(init=False, repr=False, default_factory=list)
    _legacy: list[str] = field(init=False, repr=False, default_factory=list)
    _keeping: list[str] = field(init=False, repr=False, default_factory=list)

    def __post_init__(self) -> None:
        # a short path of its own: base_dir holds unix sockets (108 bytes at most), and
        # the mail processes, which Dovecot never runs as root, write as nobody
        self.root.chmod(0o755)
        home = self.root / "home"
        home.mkdir()
        nobody = pwd.getpwnam("nobody")
        os.chown(home, nobody.pw_uid, nobody.pw_gid)
        tag = secrets.token_hex(3)
        self._users = [f"user{n}-{tag}" for n in range(USERS)]
        self._legacy = [f"legacy{n}-{tag}" for n in range(LEGACY_USERS)]
        self._keeping = [f"keeping{n}-{tag}" for n in range(KEEPING_USERS)]
        (self.root / "keeping-acl").write_text(KEEPING_ACL)
        keeping = KEEPING.format(acl=self.root / "keeping-acl")
        (self.root / "passwd").write_text(
            "".join(f"{u}:{{PLAIN}}{PASSWORD}::::::\n" for u in self._users)
            + "".join(f"{u}:{{PLAIN}}{PASSWORD}::::::{LEGACY_CAPABILITY}\n" for u in self._legacy)
            + "".join(f"{u}:{{PLAIN}}{PASSWORD}::::::{keeping}\n" for u in self._keeping)
        )
        (self.root / "dovecot.conf").write_text(self._config())

    def message_file(self, user: str, uid: int, folder: str = "INBOX") -> Path:
        """The file Dovecot keeps the user's message ``uid`` of ``folder`` in (its Maildir's
        ``dovecot-uidlist`` says which: ``2 :1796411741.M635516P22849.vm,S=329,W=340``);
        a folder other than INBOX is the Maildir++ subfolder ``.name``."""
        maildir = self.root / "home" / user / "Maildir"
        if folder != "INBOX":
            maildir = maildir / f".{folder}"
        lines = (maildir / "dovecot-uidlist").read_text().splitlines()[1:]
        name = next(line.split(":", 1)[1] for line in lines if line.split()[0] == str(uid))
        return next(f for sub in ("cur", "new") for f in (maildir / sub).glob(f"{name}*"))

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> None:
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + PATIENCE  # a loaded machine starts it slowly
        while not all(port_open(p) for p in (self.imap_port, self.imaps_port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dovecot did not start:\n{self.log}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Like a server going down: every process goes, connections are cut, ports refuse.

        The whole process group is signalled: login and mail processes outlive a
        master that alone is told to stop, and would go on serving their clients.
        """
        if self.process is None:
            return
        master, self.process = self.process, None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(master.pid, signal.SIGTERM)
        try:
            master.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait(5)
        deadline = time.monotonic() + 10
        while _group_alive(master.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _group_alive(master.pid):
            os.killpg(master.pid, signal.SIGKILL)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self, *, legacy: bool = False, keeping: bool = False) -> str:
        """A fresh mailbox; ``legacy``: one whose server offers neither MOVE, UIDPLUS nor IDLE;
        ``keeping``: a legacy one whose INBOX keeps what the poller copies away (``KEEPING``).

        Users are written before the start: Dovecot re-reads a changed passwd-file
        at most once a second, too late for a test that adds one and logs in.
        """
        pool = self._keeping if keeping else self._legacy if legacy else self._users
        if not pool:
            raise RuntimeError("test mailbox users used up: raise USERS in support/dovecot.py")
        return pool.pop(0)

    def account(self, user: str, *, tls: str = "implicit", **overrides: Any) -> ImapSettings:
        password_file = self.root / "password"
        if not password_file.exists():
            password_file.write_text(PASSWORD + "\n")
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.imaps_port if tls == "implicit" else self.imap_port,
            "tls": tls,
            "ca_file": self.certs.ca,
            "username": user,
            "password_file": password_file,
            "timeout": _seconds(5),
            "retry_initial": _seconds(0.1),
            "retry_max": _seconds(0.4),
        }
        values.update(overrides)
        return ImapSettings(**values)

    @contextlib.contextmanager
    def client(self, user: str) -> Any:
        """A second, independent mail client (a person, or the MTA delivering)."""
        context = ssl.create_default_context(cafile=str(self.certs.ca))
        client = IMAPClient("127.0.0.1", self.imaps_port, ssl=True, ssl_context=context, timeout=5)
        try:
            client.login(user, PASSWORD)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def _config(self) -> str:
        r = self.root
        return f"""
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
mail_uid = nobody
mail_gid = {_group_of("nobody")}
first_valid_uid = 1
first_valid_gid = 1
ssl = yes
ssl_cert = <{self.certs.cert}
ssl_key = <{self.certs.key}
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {r}/passwd
  default_fields = home={r}/home/%u mail=maildir:{r}/home/%u/Maildir
}}
namespace inbox {{
  inbox = yes
}}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
  }}
}}
"""


def _group_of(user: str) -> str:
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def _seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
