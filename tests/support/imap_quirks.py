"""A tiny IMAP server for what a real Dovecot cannot be made to do: answer a FETCH
without the message's content, as Exchange does for some messages (``BODY[] NIL``,
or no ``BODY[]`` in the answer at all), or refuse to move or flag one message of a
folder (``NO [OVERQUOTA]``, a message locked by another process) while it serves
the others, or keep no keyword of ours (``PERMANENTFLAGS`` without ``\\*``, as Exchange).

Everything else the IMAP tests need runs against the private Dovecot
(tests/support/dovecot.py); this server speaks just enough IMAP4rev1 for the
poller (implicit TLS, LOGIN, SELECT, UID SEARCH, UID FETCH (of the content, its size, or
header fields, or its first bytes), UID STORE, UID MOVE or
UID COPY and UID EXPUNGE, LIST, CREATE, NOOP, LOGOUT; in another folder than the one
read, EXAMINE and a UID SEARCH by Message-ID), one connection at a time,
and keeps what the poller did to each message so a test can look.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from gateway.config.settings import ImapSettings
from tests.support.waiting import PATIENCE


@dataclass
class Message:
    raw: bytes
    answer: str = "body"  # "body", "nil" (BODY[] NIL) or "omitted" (no BODY[] at all)
    size_nil: bool = False  # RFC822.SIZE NIL as well
    size: int | None = None  # the RFC822.SIZE it announces, if not its own (a lie)
    flags: set[str] = field(default_factory=set)
    fetched: int = 0  # content FETCHes answered
    refuse: str = ""  # the answer to a MOVE, COPY or STORE naming it, e.g. "NO [OVERQUOTA] …"
    refused_by: tuple[str, ...] = ("UID MOVE", "UID COPY", "UID STORE")  # the commands that do


class _Refused(Exception):
    """The tagged answer a command gets instead of OK (its text: "NO …", "BAD …")."""


class _HangUp(Exception):
    """The server closes the connection instead of answering."""


class QuirkyImap:
    """Serves ``messages`` (UID 1, 2, …) on a loopback port with the given certificate."""

    def __init__(
        self, cert: Path, key: Path, messages: list[Message], *, move: bool = True
    ) -> None:
        self.messages = {uid: m for uid, m in enumerate(messages, start=1)}
        self.uidvalidity = 7
        self.uidnext = len(messages) + 1  # never given twice, as a server must
        self.commands: list[str] = []
        # the most message content one FETCH answer carried: what the poller held at once
        self.most_fetched = 0
        self.capabilities = "IMAP4rev1 AUTH=PLAIN UIDPLUS" + (" MOVE" if move else "")
        self.folders: dict[str, list[Message]] = {}  # other folders than the one read
        # commands (their first words) at which the connection drops: ("",) is an outage
        self.hang_up: tuple[str, ...] = ()
        # commands the server carries out, then drops the connection before its answer
        self.hang_up_after: tuple[str, ...] = ()
        self._elsewhere = ""  # the other folder selected, if one is
        # announced at SELECT when set; a STORE of any other flag is then refused as
        # Exchange refuses a keyword it cannot keep (None: no PERMANENTFLAGS line, all kept)
        self.permanent_flags: str | None = None
        # answers OK to MOVE, STORE and EXPUNGE and keeps the messages as they were (as
        # Gmail's All Mail keeps one whose label a MOVE removes, with its UID)
        self.keeps = False
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True, name="imap-quirks")
        self._thread.start()

    def add(self, message: Message) -> int:
        uid, self.uidnext = self.uidnext, self.uidnext + 1
        self.messages[uid] = message
        return uid

    def status_sections(self, ca_file: Path) -> str:
        """The config sections a ``status`` test reads this server through (its mailbox,
        moved after storing; ``[health]`` quiet about a daemon that is not running), for
        :func:`tests.support.config.write_config`'s ``extra``."""
        return (
            '[health]\ndaemon = false\nmax_poll_age = "2d"\nmax_inbox_age = "30d"\n'
            f'[[imap]]\nhost = "127.0.0.1"\nport = {self.port}\n'
            f'ca_file = "{ca_file}"\nusername = "support"\n'
            'password_env = "TG_QUIRKS_PASSWORD"\nafter = "move"\n'
        )

    def account(self, ca_file: Path, **overrides: object) -> ImapSettings:
        values: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "tls": "implicit",
            "ca_file": ca_file,
            "username": "support",
            "password_env": "TG_QUIRKS_PASSWORD",
            "after": "flag",
            "idle": False,
            "timeout": timedelta(seconds=5),
            "retry_initial": timedelta(seconds=0.1),
            "retry_max": timedelta(seconds=0.2),
        }
        values.update(overrides)
        return ImapSettings(**values)  # type: ignore[arg-type]

    def close(self) -> None:
        # closing alone leaves the thread in accept() for good (each close then waited
        # out its join): shutting the socket down wakes it
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(PATIENCE)

    # -- the protocol ---------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            try:
                with self._tls.wrap_socket(conn, server_side=True) as tls:
                    self._session(tls.makefile("rwb"))  # type: ignore[arg-type]
            except (OSError, ssl.SSLError):
                continue

    def _session(self, io: BinaryIO) -> None:
        self._elsewhere = ""
        io.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] quirks ready\r\n")
        io.flush()
        while line := io.readline():
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command = rest.upper()
            self.commands.append(rest)
            if command.startswith("LOGOUT"):
                io.write(b"* BYE\r\n" + tag.encode() + b" OK bye\r\n")
                io.flush()
                return
            try:
                if command.startswith(self.hang_up) and not command.startswith("LOGIN"):
                    raise _HangUp
                answer = self._answer(command, rest)
                if command.startswith(self.hang_up_after):
                    raise _HangUp
                for out in answer:
                    io.write(out)
            except _Refused as refused:
                io.write(f"{tag} {refused}\r\n".encode())
            except _HangUp:
                return
            else:
                io.write(f"{tag} OK done\r\n".encode())
            io.flush()

    def _answer(self, command: str, rest: str) -> list[bytes]:
        if command.startswith("CAPABILITY"):
            return [f"* CAPABILITY {self.capabilities}\r\n".encode()]
        if command.startswith("LIST"):
            name = rest.split(" ", 2)[2].strip('"')
            there = name in self.folders
            return [f'* LIST () "/" "{name}"\r\n'.encode()] if there else []
        if command.startswith("CREATE"):
            self.folders.setdefault(rest.split(" ", 1)[1].strip('"'), [])
            return []
        if command.startswith(("SELECT", "EXAMINE")):
            name = rest.split(" ", 1)[1].strip('"')
            self._elsewhere = "" if name.upper() == "INBOX" else name
            if self._elsewhere:
                if name not in self.folders:
                    raise _Refused("NO Mailbox doesn't exist")
                return [f"* {len(self.folders[name])} EXISTS\r\n".encode()]
            return [
                f"* {len(self.messages)} EXISTS\r\n".encode(),
                f"* OK [UIDVALIDITY {self.uidvalidity}] UIDs valid\r\n".encode(),
                f"* OK [UIDNEXT {self.uidnext}] next\r\n".encode(),
                b"* FLAGS (\\Seen \\Deleted)\r\n",
                *self._permanent_flags(),
            ]
        if self._elsewhere:
            return self._search_elsewhere(command, rest)
        if command.startswith("UID SEARCH"):
            found = " ".join(str(uid) for uid in self._search(rest[len("UID SEARCH ") :]))
            return [f"* SEARCH {found}\r\n".encode()]
        if command.startswith("UID FETCH"):
            uids, items = rest[len("UID FETCH ") :].split(" ", 1)
            answers = [self._fetch(uid, items.upper()) for uid in self._uids(uids)]
            content = sum(_literal(answer) for answer in answers)
            self.most_fetched = max(self.most_fetched, content)
            return answers
        if command.startswith("UID STORE"):
            uids, _, flags = rest[len("UID STORE ") :].split(" ", 2)
            if self._not_kept(flags.strip("()").split()):
                raise _Refused("BAD Command Argument Error. 12")
            for uid in self._refused(uids, "UID STORE"):
                if not self.keeps:
                    self.messages[uid].flags.update(flags.strip("()").split())
        if command.startswith(("UID MOVE", "UID COPY")):
            uids, folder = rest[len("UID MOVE ") :].split(" ", 1)
            if folder.strip('"') not in self.folders:
                raise _Refused("NO [TRYCREATE] Mailbox doesn't exist")
            chosen = self._refused(uids, command[: len("UID MOVE")])
            self.folders[folder.strip('"')] += [self.messages[uid] for uid in chosen]
            if command.startswith("UID MOVE") and not self.keeps:
                for uid in chosen:
                    del self.messages[uid]
        if command.startswith("UID EXPUNGE"):
            for uid in self._uids(rest[len("UID EXPUNGE ") :]):
                if "\\Deleted" in self.messages[uid].flags and not self.keeps:
                    del self.messages[uid]
        return []

    def _not_kept(self, flags: list[str]) -> bool:
        """A flag of ``flags`` the PERMANENTFLAGS announced leave out (no ``\\*``)."""
        kept = (self.permanent_flags or "\\*").split()
        return "\\*" not in kept and bool(set(flags) - set(kept))

    def _permanent_flags(self) -> list[bytes]:
        if self.permanent_flags is None:
            return []
        return [f"* OK [PERMANENTFLAGS ({self.permanent_flags})] Permanent flags\r\n".encode()]

    def _search_elsewhere(self, command: str, rest: str) -> list[bytes]:
        """In another folder only a search by Message-ID: the UIDs of its messages are
        their places (1, 2, …)."""
        asked = re.fullmatch(r'UID SEARCH HEADER MESSAGE-ID "?([^"]*)"?', command)
        if asked is None:
            raise _Refused(f"BAD not served in {self._elsewhere}: {rest}")
        wanted = asked[1].encode().lower()
        messages = self.folders[self._elsewhere]
        found = [n for n, m in enumerate(messages, start=1) if wanted in _message_id(m.raw)]
        return [f"* SEARCH {' '.join(map(str, found))}\r\n".encode()]

    def _refused(self, spec: str, command: str) -> list[int]:
        """The UIDs ``spec`` names, unless one of them refuses ``command``: the command
        fails whole, as Dovecot's MOVE does when one message cannot be moved."""
        chosen = self._uids(spec)
        for uid in chosen:
            if self.messages[uid].refuse and command in self.messages[uid].refused_by:
                raise _Refused(self.messages[uid].refuse)
        return chosen

    def _fetch(self, uid: int, items: str) -> bytes:
        m, seq = self.messages[uid], list(self.messages).index(uid) + 1
        if "RFC822.SIZE" in items:
            size = "NIL" if m.size_nil else str(len(m.raw) if m.size is None else m.size)
            return f"* {seq} FETCH (UID {uid} RFC822.SIZE {size})\r\n".encode()
        if "HEADER.FIELDS" in items:  # BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID)]
            names = re.findall(r"HEADER\.FIELDS \(([^)]*)\)", items)[0].split()
            head = m.raw.split(b"\r\n\r\n")[0].split(b"\n\n")[0]
            lines = re.findall(rb"^[^\s:]+:.*(?:\r?\n[ \t].*)*", head, re.MULTILINE)
            wanted = (
                b"".join(
                    line.rstrip(b"\r") + b"\r\n"
                    for line in lines
                    if line.split(b":")[0].decode().upper() in names
                )
                + b"\r\n"
            )
            section = f"BODY[HEADER.FIELDS ({' '.join(names)})]"
            return (
                f"* {seq} FETCH (UID {uid} {section} {{{len(wanted)}}}\r\n".encode()
                + wanted
                + b")\r\n"
            )
        m.fetched += 1
        if m.answer == "nil":
            return f"* {seq} FETCH (UID {uid} BODY[] NIL)\r\n".encode()
        if m.answer == "omitted":
            return f"* {seq} FETCH (UID {uid} FLAGS ())\r\n".encode()
        partial = re.search(r"BODY\.PEEK\[\]<0\.(\d+)>", items)  # the first n bytes
        raw, section = (m.raw[: int(partial[1])], "BODY[]<0>") if partial else (m.raw, "BODY[]")
        head = f"* {seq} FETCH (UID {uid} {section} {{{len(raw)}}}\r\n".encode()
        return head + raw + b")\r\n"

    def _uids(self, spec: str) -> list[int]:
        top = max(self.messages, default=0)
        chosen: set[int] = set()
        for part in spec.split(","):
            low, _, high = part.partition(":")
            a = top if low == "*" else int(low)
            b = a if not high else (top if high == "*" else int(high))
            chosen.update(u for u in self.messages if min(a, b) <= u <= max(a, b))
        return sorted(chosen)

    def _search(self, criteria: str) -> list[int]:
        found = set(self.messages)
        for key, value in re.findall(r"(UID|UNKEYWORD|KEYWORD)\s+(\S+)", criteria.upper()):
            if key == "UID":
                found &= set(self._uids(value))
            else:
                has = {u for u, m in self.messages.items() if value in map(str.upper, m.flags)}
                found = found - has if key == "UNKEYWORD" else found & has
        for key, flag in (("UNSEEN", "\\Seen"), ("UNFLAGGED", "\\Flagged")):
            if key in criteria.upper().split():
                found = {u for u in found if flag not in self.messages[u].flags}
        for key, has in (("DELETED", True), ("UNDELETED", False)):
            if key in criteria.upper().split():
                found = {u for u in found if ("\\Deleted" in self.messages[u].flags) == has}
        return sorted(found)


def _literal(answer: bytes) -> int:
    """How many bytes of content a FETCH answer carries (its literal, ``{n}``)."""
    found = re.search(rb"\{(\d+)\}\r\n", answer)
    return int(found[1]) if found else 0


def _message_id(raw: bytes) -> bytes:
    head = raw.split(b"\r\n\r\n")[0].split(b"\n\n")[0]
    found = re.search(rb"^message-id:\s*(.*)$", head, re.IGNORECASE | re.MULTILINE)
    return found[1].strip().lower() if found else b""
