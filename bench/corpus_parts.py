"""The parts every bench corpus message is built from: its writer, text, MIME and headers.

:class:`MessageParts` holds the corpus's one ``random.Random`` and what it has
written so far (people, tickets, the clock), and builds the pieces of a message:
a person's body lines in their language, the MIME tree in their client's charset,
headers as their mailer folds them, and the file as written. The kinds of message
(request, reply, auto-reply, bounce) are put together from these in
:mod:`bench.corpus_messages`. Every draw from the generator goes through
``self.rng`` in a fixed order, so moving code between these classes is safe but
changing the order of draws changes the corpus.
"""

from __future__ import annotations

import html
import math
import random
from datetime import UTC, datetime, timedelta, timezone
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

from bench.corpus_charsets import encode_text, encoded_words
from bench.corpus_model import Person, Thread
from bench.corpus_words import (
    ATTACHMENT_TYPES,
    EN_DOMAINS,
    EN_FIRST,
    EN_LAST,
    EN_LINES,
    EN_SUBJECTS,
    GATEWAY,
    HOSTS,
    JA_DOMAINS,
    JA_FIRST,
    JA_LAST,
    JA_LINES,
    JA_ROMA,
    JA_SUBJECTS,
    JA_SYSTEMS,
    JST,
    MAILERS,
    MAX_ATTACHMENT,
    MIN_ATTACHMENT,
    NEC_LINES,
    NEC_SUBJECTS,
    ROOMS,
    SOFTWARE,
    SYSTEMS,
)


class MessageParts:
    """The pieces of a message, drawn from one seeded generator; see the module docstring."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people = [self._person(i) for i in range(160)]
        self.threads: list[Thread] = []
        self.clock = datetime(2024, 4, 1, 0, 5, tzinfo=UTC)
        # RFC 2047 file names the stdlib would rewrite: token → bytes, swapped on write.
        self._placeholders: dict[bytes, bytes] = {}

    # -- people

    def _person(self, i: int) -> Person:
        r = self.rng
        ja = r.random() < 0.55
        mailer = r.choice(MAILERS)
        if ja:
            li = r.randrange(len(JA_LAST))
            name = f"{JA_LAST[li]} {r.choice(JA_FIRST)}"
            email = f"{JA_ROMA[li]}.{i}@{r.choice(JA_DOMAINS)}"
            charset = r.choices(
                ("iso-2022-jp", "iso-2022-jp-nec", "shift_jis", "utf-8"), (30, 15, 20, 35)
            )[0]
            if charset == "iso-2022-jp-nec":
                mailer = "Microsoft Outlook 16.0"
            label = {
                "iso-2022-jp": "ISO-2022-JP",
                "iso-2022-jp-nec": "iso-2022-jp",
                "utf-8": r.choice(("UTF-8", "utf-8")),
                "shift_jis": r.choices(
                    ("Shift_JIS", "shift_jis", "x-sjis", "windows-31j"), (70, 15, 10, 5)
                )[0],
            }[charset]
        else:
            name = f"{r.choice(EN_FIRST)} {r.choice(EN_LAST)}"
            email = f"{name.split()[0].lower()}.{i}@{r.choice(EN_DOMAINS)}"
            charset, label = r.choice((("us-ascii", "us-ascii"), ("utf-8", "UTF-8")))
        style = r.choices(("plain", "alternative", "html"), (53, 35, 12))[0]
        return Person(
            name, email, "ja" if ja else "en", charset, label, style, r.random() < 0.3, mailer
        )

    # -- text

    def _fill(self, template: str) -> str:
        r = self.rng
        return template.format(
            host=r.choice(HOSTS),
            room=r.choice(ROOMS),
            software=r.choice(SOFTWARE),
            system=r.choice(JA_SYSTEMS if any(ord(c) > 0x7F for c in template) else SYSTEMS),
            name=r.choice(EN_FIRST),
        )

    def _subject(self, p: Person) -> str:
        if p.lang == "en":
            return self._fill(self.rng.choice(EN_SUBJECTS))
        if p.charset in ("iso-2022-jp-nec", "shift_jis") and self.rng.random() < 0.25:
            return self._fill(self.rng.choice(NEC_SUBJECTS))
        return self._fill(self.rng.choice(JA_SUBJECTS))

    def _body(self, p: Person, marker: str, opening: str | None) -> tuple[list[str], list[str]]:
        """Body lines and the lines a correct parse must contain."""
        r = self.rng
        pool = JA_LINES if p.lang == "ja" else EN_LINES
        lines = [self._fill(x) for x in r.sample(pool, r.randint(2, 5))]
        expect = [lines[0]]
        if p.lang == "ja" and p.charset in ("iso-2022-jp-nec", "shift_jis") and r.random() < 0.35:
            nec = r.choice(NEC_LINES)
            lines.insert(1, nec)
            expect.append(nec.split("\n")[-1])
        if opening:
            lines.insert(0, opening)
            expect.insert(0, opening)
        if p.lang == "en" and r.random() < 0.05:  # a pasted log: the odd large body
            stamp = self.clock
            for n in range(r.randint(100, 800)):
                stamp += timedelta(milliseconds=r.randint(1, 900))
                lines.append(
                    f"{stamp:%Y-%m-%dT%H:%M:%S}.{n % 1000:03d}Z "
                    f"{r.choice(('INFO', 'WARN', 'ERROR'))} [worker-{r.randint(1, 8)}] "
                    f"connection reset by peer (host={r.choice(HOSTS)}, attempt={n})"
                )
        if p.lang == "ja":
            head = [
                f"{GATEWAY} ご担当者様",
                "",
                "お世話になっております。",
                f"{p.name.split()[0]}です。",
                "",
            ]
            tail = [
                "",
                f"管理番号: {marker}",
                "",
                "以上、よろしくお願いいたします。",
                "",
                "--",
                f"{p.name}",
                "TEL: 03-1234-5678",
            ]
        else:
            head = ["Hello support team,", ""]
            tail = ["", f"Ref: {marker}", "", "Best regards,", p.name.split()[0]]
        return head + lines + tail, [*expect, marker]

    @staticmethod
    def _quote(p: Person, thread: Thread, when: datetime) -> list[str]:
        r = thread.requester
        if p.lang == "ja":
            intro = f"{when.astimezone(JST):%Y年%m月%d日 %H:%M} {r.name} <{r.email}>:"
        else:
            intro = f"On {format_datetime(when)}, {r.name} <{r.email}> wrote:"
        return ["", intro, *(f"> {line}" if line else ">" for line in thread.quote)]

    @staticmethod
    def _html(lines: list[str], marker: str) -> str:
        body = "\n".join(f"<p>{html.escape(line)}</p>" if line else "<p><br></p>" for line in lines)
        return (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            "<style>.bench-style-rule{font-family:Meiryo,sans-serif;color:#333}"
            " p{margin:0}</style>"
            f"<script>var bench_tracking_pixel = '{marker}';</script>"
            '</head><body><div class="bench-style-rule">\n'
            f"{body}\n</div></body></html>\n"
        )

    # -- MIME

    def _text_part(
        self,
        msg: EmailMessage,
        p: Person,
        text: str,
        subtype: str,
        *,
        alternative: bool = False,
        charset_param: bool = True,
    ) -> None:
        """Set (or add as an alternative) one text part in the person's charset."""
        r = self.rng
        params = {"charset": p.label} if charset_param else {}
        setter = msg.add_alternative if alternative else msg.set_content
        if p.charset in ("us-ascii", "utf-8"):
            if all(ord(c) < 0x80 for c in text):
                setter(
                    text,
                    subtype=subtype,
                    charset="us-ascii" if p.charset == "us-ascii" else "utf-8",
                    cte="7bit",
                )
            else:
                setter(
                    text,
                    subtype=subtype,
                    charset="utf-8",
                    cte=r.choice(("8bit", "base64", "quoted-printable")),
                )
            return
        data = encode_text(text, p.charset)
        cte = "7bit" if p.charset.startswith("iso-2022-jp") else r.choice(("8bit", "base64"))
        setter(data, maintype="text", subtype=subtype, cte=cte, params=params)

    def _attachments(self, p: Person, count: int) -> list[tuple[str, bytes, str, str]]:
        r = self.rng
        out = []
        for _ in range(count):
            ctype, magic, en_name, ja_name = r.choice(ATTACHMENT_TYPES)
            size = int(
                min(MAX_ATTACHMENT, max(MIN_ATTACHMENT, r.lognormvariate(math.log(100_000), 1.1)))
            )
            data = magic + r.randbytes(size - len(magic))
            out.append(
                (
                    ctype,
                    data,
                    ja_name if p.lang == "ja" else en_name,
                    ja_name if p.lang == "ja" else en_name,
                )
            )
        return out

    def _mime(
        self,
        p: Person,
        lines: list[str],
        marker: str,
        attachments: list[tuple[str, bytes, str, str]],
    ) -> tuple[EmailMessage, bytes]:
        """The body as MIME via the stdlib; returns it and the line separator."""
        nl = b"\r\n" if p.crlf else b"\n"
        msg = EmailMessage(policy=email_policy.default.clone(linesep=nl.decode()))
        text = "\n".join(lines) + "\n"
        if p.style == "html":
            # Some Shift_JIS HTML mailers only declare the charset in <meta>.
            meta_only = p.charset == "shift_jis" and self.rng.random() < 0.3
            page = self._html(lines, marker).replace("charset=utf-8", f"charset={p.label}")
            self._text_part(msg, p, page, "html", charset_param=not meta_only)
        else:
            self._text_part(msg, p, text, "plain")
            if p.style == "alternative":
                page = self._html(lines, marker).replace("charset=utf-8", f"charset={p.label}")
                self._text_part(msg, p, page, "html", alternative=True)
        for n, (ctype, data, name, _) in enumerate(attachments):
            maintype, subtype = ctype.split("/", 1)
            if p.charset.startswith("iso-2022-jp") and any(ord(c) > 0x7F for c in name):
                # Outlook writes RFC 2047 words into the parameter; the stdlib would
                # re-encode them as RFC 2231, so a placeholder is swapped afterwards.
                token = f"BENCHNAME{n:02d}{name.rsplit('.', 1)[-1]}"
                self._placeholders[token.encode()] = encoded_words(name, p.charset, nl).replace(
                    nl + b" ", b""
                )
                msg.add_attachment(
                    data, maintype=maintype, subtype=subtype, filename=token, params={"name": token}
                )
            else:
                msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        for part in msg.walk():
            if part.is_multipart():
                part.set_boundary(f"----=_NextPart_{self.rng.getrandbits(64):016X}")
        return msg, nl

    # -- headers

    def _tick(self) -> datetime:
        self.clock += timedelta(seconds=self.rng.randint(20, 900))
        return self.clock

    def _mid(self, p: Person, when: datetime) -> str:
        domain = p.email.split("@", 1)[1]
        if p.mailer and p.mailer.startswith("Microsoft"):
            host = f"TYCPR01MB{self.rng.randint(1000, 9999)}.jpnprd01.prod.outlook.com"
            return f"TYCPR01MB{self.rng.getrandbits(48):012X}@{host}"
        return f"{when:%Y%m%d%H%M%S}.{self.rng.getrandbits(40):010x}@{domain}"

    def _address(self, p: Person, nl: bytes) -> bytes:
        if p.lang == "en":
            quoted = f'"{p.name}"' if "'" in p.name or self.rng.random() < 0.5 else p.name
            return f"{quoted} <{p.email}>".encode()
        return encoded_words(p.name, p.charset, nl) + f" <{p.email}>".encode()

    def _subject_header(self, p: Person, subject: str, nl: bytes) -> bytes:
        """Mostly RFC 2047; some clients send raw 8-bit or raw JIS subjects."""
        r = self.rng
        if all(ord(c) < 0x80 for c in subject):
            return subject.encode()
        raw_share = {
            "iso-2022-jp": 0.25,
            "iso-2022-jp-nec": 0.0,
            "shift_jis": 0.4,
            "utf-8": 0.3,
            "us-ascii": 0.0,
        }[p.charset]
        if r.random() < raw_share:
            return encode_text(subject, p.charset)
        prefix = ""
        if r.random() < 0.5:  # "Re: [#12] " left literal, the rest encoded
            i = 0
            while i < len(subject) and ord(subject[i]) < 0x80:
                i += 1
            cut = subject.rfind(" ", 0, i) + 1
            prefix, subject = subject[:cut], subject[cut:]
        q = p.charset == "utf-8" and r.random() < 0.3
        return prefix.encode() + encoded_words(subject, p.charset, nl, q=q)

    def _write(
        self,
        folder: Path,
        name: str,
        headers: list[tuple[str, bytes]],
        body: EmailMessage,
        nl: bytes,
    ) -> int:
        buf = BytesIO()
        for key, value in headers:
            buf.write(key.encode() + b": " + value + nl)
        BytesGenerator(buf, policy=body.policy).flatten(body)
        data = buf.getvalue()
        for token, value in self._placeholders.items():
            data = data.replace(token, value)
        self._placeholders = {}
        (folder / name).write_bytes(data)
        return len(data)

    def _common(
        self, p: Person, subject: str, when: datetime, mid: str, nl: bytes, cc: list[Person]
    ) -> list[tuple[str, bytes]]:
        tz = JST if p.lang == "ja" else timezone(timedelta(hours=self.rng.choice((0, -7, 1))))
        headers = []
        if self.rng.random() < 0.5:
            headers.append(("Return-Path", f"<{p.email}>".encode()))
        headers += [
            ("Date", format_datetime(when.astimezone(tz)).encode()),
            ("From", self._address(p, nl)),
            ("To", GATEWAY.encode()),
        ]
        if cc:
            headers.append(("Cc", (b"," + nl + b" ").join(self._address(c, nl) for c in cc)))
        headers += [
            ("Subject", self._subject_header(p, subject, nl)),
            ("Message-ID", f"<{mid}>".encode()),
        ]
        if p.mailer:
            headers.append(("X-Mailer", p.mailer.encode()))
        return headers
