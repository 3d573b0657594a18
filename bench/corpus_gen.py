"""A deterministic, realistic mail corpus for the ingest benchmark.

Why synthetic: real support mail cannot go into the repository, but throughput
depends on what the mail looks like (charsets, MIME shape, attachment sizes,
how much threading the store must do), so the corpus mimics the mix a Japanese
ops team receives: English and Japanese (ISO-2022-JP, the Windows flavour of
it with NEC special characters, Shift_JIS/CP932 and UTF-8), plain, alternative
and HTML-only bodies, replies, auto-replies, bounces and some large attachments.

Everything comes from one ``random.Random(seed)``; the same seed gives the same
bytes, so two runs (or two machines) measure the same input.

Threading assumption (what the expected counts rely on): only *new requests*
open tickets, and the ingest processes files in name order, so in a fresh
database the k-th new request becomes ticket #k. Replies by subject tag use
that number and always come from the ticket's requester (a tag alone only
attaches mail from a participant); every other reply, auto-reply and bounce
points at an earlier request's Message-ID. If the gateway opens a ticket for
anything else the later tags point at the wrong ticket, and the ticket count
differs from the number of new requests, which the benchmark reports.
"""

from __future__ import annotations

import base64
import html
import json
import math
import random
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

GATEWAY = "support@example.test"
JST = timezone(timedelta(hours=9))
MANIFEST = ".manifest.json"  # a dot file: ``ingest <folder>`` skips it
MIN_ATTACHMENT, MAX_ATTACHMENT = 10_000, 2_000_000

# (weight, kind) of each message after the first one, which is always a request.
KIND_WEIGHTS = (
    (50, "request"),
    (25, "reply-header"),
    (12, "reply-tag"),
    (8, "auto-reply"),
    (5, "bounce"),
)

# ---------------------------------------------------------------- vocabulary

EN_FIRST = (
    "Alice",
    "Bob",
    "Carol",
    "Dave",
    "Erin",
    "Frank",
    "Grace",
    "Heidi",
    "Ivan",
    "Judy",
    "Mallory",
    "Niaj",
    "Olivia",
    "Peggy",
    "Rupert",
    "Sybil",
    "Trent",
    "Victor",
    "Walter",
)
EN_LAST = (
    "Example",
    "Sample",
    "Tester",
    "Nguyen",
    "Smith",
    "Garcia",
    "Miller",
    "O'Brien",
    "Kowalski",
    "Schmidt",
    "Lee",
    "Patel",
)
JA_LAST = (
    "山田",
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "渡辺",
    "伊藤",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山本",
    "松本",
    "井上",
    "木村",
)
JA_FIRST = (
    "太郎",
    "花子",
    "一郎",
    "美咲",
    "健",
    "直樹",
    "由美",
    "翔",
    "陽子",
    "大輔",
    "恵",
    "拓也",
    "彩",
    "誠",
)
JA_ROMA = (
    "yamada",
    "sato",
    "suzuki",
    "takahashi",
    "tanaka",
    "watanabe",
    "ito",
    "nakamura",
    "kobayashi",
    "kato",
    "yoshida",
    "yamamoto",
    "matsumoto",
    "inoue",
    "kimura",
)
EN_DOMAINS = ("customer.test", "corp.example", "partner.example.com", "mail.example.org")
JA_DOMAINS = ("example.co.jp", "sample-shoji.example.jp", "tokyo.example.jp", "osaka.example.ne.jp")
HOSTS = ("db01", "web02", "fs01", "mail03", "app-prd-04", "batch01", "vpn-gw1", "ldap02")
ROOMS = ("3A", "5F-North", "B2", "12", "7C")
SOFTWARE = ("Visual Studio Code", "Docker Desktop", "Slack", "Zoom", "7-Zip", "Python 3.12")
SYSTEMS = ("SAP", "Jira", "the expense system", "Salesforce", "the VPN portal", "GitLab")
JA_SYSTEMS = ("勤怠システム", "経費精算システム", "ファイルサーバ", "基幹システム", "社内ポータル")

EN_SUBJECTS = (
    "VPN does not connect from home office",
    "Printer in room {room} prints blank pages",
    "Request: new account for {name}",
    "Disk almost full on {host}",
    "Password reset for {system}",
    "Cannot access shared drive \\\\fs01\\sales",
    "SSL certificate on {host} expires next week",
    "Backup job failed on {host}",
    "Please install {software} on my laptop",
    "Mailbox quota exceeded",
    "Wi-Fi drops in meeting room {room}",
    "{system} is very slow since Monday",
)
JA_SUBJECTS = (
    "VPNに接続できません",
    "{host}のディスク容量が不足しています",
    "アカウント発行のお願い",
    "共有フォルダにアクセスできない件",
    "{system}のパスワード再発行のお願い",
    "会議室{room}のプリンタが印刷できません",
    "{software}のインストール依頼",
    "バックアップ失敗のご連絡（{host}）",
    "会議室{room}の無線LANが切れる",
    "メール容量超過について",
    "{system}の動作が遅い件",
)
# Windows (Outlook) users type NEC special characters without knowing it.
NEC_SUBJECTS = (
    "【至急】障害報告①（{host}）",
    "㈱サンプル商事様 請求書送付の件",
    "第Ⅲ期 システム更改について",
    "手順書②の確認依頼",
    "㈲テスト工業 アカウント追加のお願い",
)
EN_LINES = (
    "Since this morning I cannot reach {host} from my desk.",
    "I already restarted my laptop twice, it did not help.",
    "The error message says: connection timed out (code 0x800CCC0E).",
    "Could you please have a look when you have a moment?",
    "This blocks the whole team, so it is somewhat urgent.",
    "Colleagues on the same floor see the same problem.",
    "It worked fine until the update on Friday.",
    "Please find the screenshot attached.",
    "Let me know if you need more details from my side.",
    "I checked the cable and the network settings, both look fine.",
)
JA_LINES = (
    "本日朝から{host}に接続できない状態が続いています。",
    "端末を再起動しましたが、改善しませんでした。",
    "エラーメッセージは「接続がタイムアウトしました」と表示されます。",
    "お手数ですが、ご確認のほどよろしくお願いいたします。",
    "同じフロアの複数の端末で同じ現象が発生しています。",
    "金曜日の更新作業以降、この状態になっています。",
    "スクリーンショットを添付いたしますのでご確認ください。",
    "急ぎではありませんが、今週中に対応いただけると助かります。",
    "ログを確認したところ、深夜二時ごろから失敗しているようです。",
    "必要な情報があればお知らせください。",
)
NEC_LINES = (
    "手順は以下のとおりです。\n① 端末を再起動\n② VPNクライアントを起動\n③ 接続ボタンを押す",
    "㈱サンプル商事 情報システム部の件です。",
    "第Ⅲ四半期の棚卸し作業に影響があります。",
    "№1024 の申請と同じ内容です。",
)
EN_REPLIES = (
    "Thanks for the quick answer.",
    "Unfortunately it still does not work.",
    "That fixed it, thank you!",
    "Here is the additional information you asked for.",
    "I tried the steps, but the error is the same.",
)
JA_REPLIES = (
    "ご対応ありがとうございます。",
    "残念ながら、まだ改善しておりません。",
    "おかげさまで解決いたしました。",
    "ご依頼の情報をお送りします。",
    "ご案内の手順を試しましたが、同じエラーになります。",
)
MAILERS = (
    "Microsoft Outlook 16.0",
    "Mozilla Thunderbird",
    "Becky! ver. 2.81.04",
    "Apple Mail (2.3774)",
    None,
    None,
)
ATTACHMENT_TYPES = (  # (content type, magic prefix, English name, Japanese name)
    ("application/pdf", b"%PDF-1.7\n", "report.pdf", "見積書.pdf"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "screenshot.png", "画面キャプチャ.png"),
    ("application/zip", b"PK\x03\x04", "logs.zip", "ログ一式.zip"),
    ("application/x-zip-compressed", b"PK\x03\x04", "evidence.zip", "証跡.zip"),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
        "inventory.xlsx",
        "一覧表.xlsx",
    ),
)
ENCODED_WORD_LABEL = {
    "iso-2022-jp": "ISO-2022-JP",
    "iso-2022-jp-nec": "ISO-2022-JP",
    "shift_jis": "Shift_JIS",
    "utf-8": "UTF-8",
    "us-ascii": "UTF-8",
}


# ---------------------------------------------------------------- data model


@dataclass(frozen=True, slots=True)
class Person:
    """A correspondent; one person always writes with the same client and charset."""

    name: str
    email: str
    lang: str  # en | ja
    charset: str  # us-ascii | utf-8 | iso-2022-jp | iso-2022-jp-nec | shift_jis
    label: str  # the charset name the client writes into Content-Type
    style: str  # plain | alternative | html
    crlf: bool
    mailer: str | None


@dataclass(slots=True)
class Thread:
    """A ticket as the generator expects the gateway to see it."""

    ticket: int
    subject: str
    requester: Person
    cc: list[Person]
    mids: list[str]
    quote: list[str]


@dataclass(frozen=True, slots=True)
class Spec:
    """One generated file and what a correct parse of it must show."""

    name: str
    kind: str  # request | reply-header | reply-tag | auto-reply | bounce
    charset: str  # iso-2022-jp+nec when NEC characters are really in it
    style: str  # plain | alternative | html | report
    ticket: int  # the ticket it should create or join
    message_id: str
    subject: str  # the decoded subject
    expect_text: tuple[str, ...]  # substrings of the parsed text (whitespace ignored)
    forbid_text: tuple[str, ...]  # must not leak into the text (script and style)
    attachment_sizes: tuple[int, ...]
    size: int = 0


@dataclass(slots=True)
class Corpus:
    folder: Path
    specs: list[Spec] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [self.folder / s.name for s in self.specs]

    def count(self, **match: object) -> int:
        return sum(all(getattr(s, k) == v for k, v in match.items()) for s in self.specs)


# ---------------------------------------------------------------- charsets


def _sjis_to_jis(s1: int, s2: int) -> bytes:
    """One CP932 double-byte code to its JIS row/cell pair (NEC row 13 included)."""
    if s1 >= 0xE0:
        s1 -= 0x40
    j1 = (s1 - 0x81) * 2 + 0x21
    if s2 >= 0x9F:
        j1, j2 = j1 + 1, s2 - 0x7E
    elif s2 >= 0x80:
        j2 = s2 - 0x20
    else:
        j2 = s2 - 0x1F
    if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
        raise ValueError(f"CP932 {s1:02x}{s2:02x} has no JIS code")
    return bytes((j1, j2))


def windows_jis(text: str) -> bytes:
    """ISO-2022-JP the way Outlook writes it: CP932 codes put behind ``ESC $ B``.

    Python's ``iso2022_jp`` codec refuses ① ㈱ Ⅲ (not in JIS X 0208); Windows
    clients send them anyway, as NEC row 13 codes, and label the part
    ``iso-2022-jp``. That is the mail a gateway in Japan really receives.
    """
    out, kanji = bytearray(), False
    for ch in text:
        if ord(ch) < 0x80:
            if kanji:
                out += b"\x1b(B"
                kanji = False
            out.append(ord(ch))
            continue
        sjis = ch.encode("cp932")
        if len(sjis) != 2:
            raise ValueError(f"{ch!r} is not a CP932 double-byte character")
        if not kanji:
            out += b"\x1b$B"
            kanji = True
        out += _sjis_to_jis(sjis[0], sjis[1])
    if kanji:
        out += b"\x1b(B"
    return bytes(out)


def encode_text(text: str, charset: str) -> bytes:
    if charset == "iso-2022-jp-nec":
        return windows_jis(text)
    if charset == "iso-2022-jp":
        try:
            return text.encode("iso2022_jp")
        except UnicodeEncodeError:  # quoting a Windows user's ①: as Windows would send it
            return windows_jis(text)
    if charset == "shift_jis":
        return text.encode("cp932")
    return text.encode("utf-8")


def encoded_words(text: str, charset: str, nl: bytes, *, q: bool = False) -> bytes:
    """RFC 2047 words of at most ten characters, folded, ASCII prefix kept literal.

    Short words keep every line under 78 octets even for ISO-2022-JP, whose
    escape sequences must be closed inside each word.
    """
    if all(ord(c) < 0x80 for c in text):
        return text.encode("ascii")
    label = ENCODED_WORD_LABEL[charset].encode()
    words: list[bytes] = []
    for i in range(0, len(text), 10):
        data = encode_text(text[i : i + 10], charset)
        if q:
            payload = b"".join(
                bytes([b]) if b < 0x80 and chr(b).isalnum() else b"_" if b == 0x20 else b"=%02X" % b
                for b in data
            )
            words.append(b"=?" + label + b"?Q?" + payload + b"?=")
        else:
            words.append(b"=?" + label + b"?B?" + base64.b64encode(data) + b"?=")
    return (nl + b" ").join(words)


# ---------------------------------------------------------------- generator


class Generator:
    """Builds the corpus message by message; see the module docstring."""

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

    # -- message kinds

    def request(self, folder: Path, name: str, index: int) -> Spec:
        r = self.rng
        p = r.choice(self.people)
        when = self._tick()
        subject = self._subject(p)
        cc = r.sample(self.people, r.choice((0, 0, 0, 1, 2)))
        cc = [c for c in cc if c != p]
        marker = f"BENCH-{index:06d}"
        lines, expect = self._body(p, marker, None)
        attachments = self._attachments(p, r.choice((1, 1, 2))) if r.random() < 0.18 else []
        msg, nl = self._mime(p, lines, marker, attachments)
        mid = self._mid(p, when)
        size = self._write(folder, name, self._common(p, subject, when, mid, nl, cc), msg, nl)
        thread = Thread(
            len(self.threads) + 1,
            subject,
            p,
            cc,
            [mid],
            [x for x in lines if not x.startswith(("20", "--"))][:12],
        )
        self.threads.append(thread)
        return self._spec(
            name,
            "request",
            p,
            thread.ticket,
            mid,
            subject,
            expect,
            marker,
            attachments,
            size,
            lines,
        )

    def reply(self, folder: Path, name: str, index: int, by_tag: bool) -> Spec:
        r = self.rng
        thread = self._pick_thread()
        p = thread.requester if by_tag or not thread.cc or r.random() < 0.8 else r.choice(thread.cc)
        when = self._tick()
        prefix = (
            r.choice(("Re: ", "RE: ", "返信: "))
            if p.lang == "ja"
            else r.choice(("Re: ", "RE: ", "Re: "))
        )
        tagged = by_tag or r.random() < 0.3
        subject = prefix + (f"[#{thread.ticket}] " if tagged else "") + thread.subject
        marker = f"BENCH-{index:06d}"
        opening = r.choice(JA_REPLIES if p.lang == "ja" else EN_REPLIES)
        lines, expect = self._body(p, marker, opening)
        lines += self._quote(p, thread, when)
        attachments = self._attachments(p, 1) if not by_tag and r.random() < 0.08 else []
        msg, nl = self._mime(p, lines, marker, attachments)
        mid = self._mid(p, when)
        headers = self._common(p, subject, when, mid, nl, [])
        if not by_tag:
            refs = thread.mids[-10:]
            at = next(i for i, (k, _) in enumerate(headers) if k == "Message-ID") + 1
            headers[at:at] = [
                ("In-Reply-To", f"<{refs[-1]}>".encode()),
                ("References", (nl + b" ").join(f"<{m}>".encode() for m in refs)),
            ]
            thread.mids.append(mid)
        size = self._write(folder, name, headers, msg, nl)
        return self._spec(
            name,
            "reply-tag" if by_tag else "reply-header",
            p,
            thread.ticket,
            mid,
            subject,
            expect,
            marker,
            attachments,
            size,
            lines,
        )

    def auto_reply(self, folder: Path, name: str, index: int) -> Spec:
        r = self.rng
        thread = self._pick_thread()
        p = thread.requester
        when = self._tick()
        marker = f"BENCH-{index:06d}"
        back = (when + timedelta(days=r.randint(2, 14))).astimezone(JST)
        if p.lang == "ja":
            subject = r.choice(("自動応答: ", "不在通知: ")) + thread.subject
            lines = [
                f"ただいま休暇中のため、{back:%m月%d日}まで不在にしております。",
                "急ぎの場合は部内の担当者までご連絡ください。",
                "",
                f"管理番号: {marker}",
            ]
        else:
            subject = "Automatic reply: " + thread.subject
            lines = [
                "Thank you for your message.",
                f"I am out of the office until {back:%d %B} with limited access to e-mail.",
                "",
                f"Ref: {marker}",
            ]
        plain = Person(p.name, p.email, p.lang, p.charset, p.label, "plain", p.crlf, p.mailer)
        msg, nl = self._mime(plain, lines, marker, [])
        mid = self._mid(p, when)
        headers = self._common(p, subject, when, mid, nl, [])
        at = next(i for i, (k, _) in enumerate(headers) if k == "Message-ID") + 1
        headers[at:at] = [
            ("In-Reply-To", f"<{thread.mids[0]}>".encode()),
            ("References", f"<{thread.mids[0]}>".encode()),
            ("Auto-Submitted", b"auto-replied"),
            ("X-Auto-Response-Suppress", b"All"),
        ]
        size = self._write(folder, name, headers, msg, nl)
        return self._spec(
            name,
            "auto-reply",
            plain,
            thread.ticket,
            mid,
            subject,
            [lines[0], marker],
            marker,
            [],
            size,
            lines,
        )

    def bounce(self, folder: Path, name: str, index: int) -> Spec:
        """A Postfix-style DSN, written by hand: the stdlib has no DSN builder."""
        r = self.rng
        thread = self._pick_thread()
        when = self._tick()
        rcpt = thread.requester.email
        mx = "mx1." + rcpt.split("@", 1)[1]
        mid = f"{when:%Y%m%d%H%M%S}.BENCH{index:06d}@{mx}"
        boundary = f"{r.getrandbits(40):010X}.{index}/{mx}"
        subject = "Undelivered Mail Returned to Sender"
        nl = "\r\n" if r.random() < 0.5 else "\n"
        text = (
            f"Return-Path: <>\nDate: {format_datetime(when)}\n"
            f"From: MAILER-DAEMON@{mx} (Mail Delivery System)\nSubject: {subject}\n"
            f"To: {GATEWAY}\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
            f"Content-Type: multipart/report; report-type=delivery-status;\n"
            f'\tboundary="{boundary}"\nContent-Transfer-Encoding: 7bit\n'
            f"Message-Id: <{mid}>\n\nThis is a MIME-encapsulated message.\n\n"
            f"--{boundary}\nContent-Description: Notification\n"
            f"Content-Type: text/plain; charset=us-ascii\n\n"
            f"This is the mail system at host {mx}.\n\n"
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients. It's attached below.\n\n"
            f"<{rcpt}>: host {mx}[192.0.2.{r.randint(1, 254)}] said: 550 5.1.1\n"
            f"    <{rcpt}>: Recipient address rejected: User unknown (in reply to RCPT TO\n"
            f"    command)\n\nQueue-ID: BENCH{index:06d}\n\n"
            f"--{boundary}\nContent-Description: Delivery report\n"
            f"Content-Type: message/delivery-status\n\n"
            f"Reporting-MTA: dns; {mx}\nX-Postfix-Queue-ID: BENCH{index:06d}\n"
            f"Arrival-Date: {format_datetime(when)}\n\n"
            f"Final-Recipient: rfc822; {rcpt}\nOriginal-Recipient: rfc822;{rcpt}\n"
            f"Action: failed\nStatus: 5.1.1\n"
            f"Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected\n\n"
            f"--{boundary}\nContent-Description: Undelivered Message Headers\n"
            f"Content-Type: text/rfc822-headers\n\n"
            f"Return-Path: <{GATEWAY}>\nFrom: {GATEWAY}\nTo: {rcpt}\n"
            f"Subject: [#{thread.ticket}] Your request has been received\n"
            f"Message-ID: <{thread.mids[0]}>\nDate: {format_datetime(when)}\n\n"
            f"--{boundary}--\n"
        )
        data = text.replace("\n", nl).encode("ascii")
        (folder / name).write_bytes(data)
        return Spec(
            name,
            "bounce",
            "us-ascii",
            "report",
            thread.ticket,
            mid,
            subject,
            ("I'm sorry to have to inform you", f"BENCH{index:06d}"),
            (),
            (),
            len(data),
        )

    # -- helpers

    def _pick_thread(self) -> Thread:
        """Mostly recent tickets, like real follow-ups; sometimes an old one."""
        recent = self.threads[-200:]
        return self.rng.choice(recent if self.rng.random() < 0.85 else self.threads)

    @staticmethod
    def _spec(
        name: str,
        kind: str,
        p: Person,
        ticket: int,
        mid: str,
        subject: str,
        expect: list[str],
        marker: str,
        attachments: list[tuple[str, bytes, str, str]],
        size: int,
        lines: list[str],
    ) -> Spec:
        nec = p.charset not in ("utf-8", "us-ascii") and any(
            c in "".join(lines) + subject for c in "①②③㈱㈲Ⅲ№"
        )
        charset = "iso-2022-jp" if p.charset == "iso-2022-jp-nec" else p.charset
        forbid = ("bench_tracking_pixel", "bench-style-rule") if p.style != "plain" else ()
        return Spec(
            name,
            kind,
            charset + ("+nec" if nec else ""),
            p.style,
            ticket,
            mid,
            subject,
            tuple(expect),
            forbid,
            tuple(len(a[1]) for a in attachments),
            size,
        )


def generate(folder: Path, n: int, seed: int) -> Corpus:
    """Write ``n`` messages as 000001.eml … into ``folder``; returns what they are."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(folder, extend(Generator(seed), folder, 1, n))
    (folder / MANIFEST).write_text(
        json.dumps([asdict(s) for s in corpus.specs], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return corpus


def extend(gen: Generator, folder: Path, first: int, n: int) -> list[Spec]:
    """Messages ``first`` … ``first + n - 1`` of ``gen``'s corpus into ``folder``.

    Called again with the same generator it goes on where it stopped (the same
    threads, the same ticket numbers), so a corpus of any size can be written and
    ingested a chunk at a time (``bench/ingest.py --scale``) without ever being on
    disk or in memory whole."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = [k for _, k in KIND_WEIGHTS]
    weights = [w for w, _ in KIND_WEIGHTS]
    specs = []
    for index in range(first, first + n):
        name = f"{index:06d}.eml"
        kind = "request" if index == 1 else gen.rng.choices(kinds, weights)[0]
        if kind == "request":
            spec = gen.request(folder, name, index)
        elif kind == "auto-reply":
            spec = gen.auto_reply(folder, name, index)
        elif kind == "bounce":
            spec = gen.bounce(folder, name, index)
        else:
            spec = gen.reply(folder, name, index, by_tag=kind == "reply-tag")
        specs.append(spec)
    return specs
