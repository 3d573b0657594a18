"""The four kinds of message in the bench corpus: request, reply, auto-reply and bounce.

Each builder writes one file and returns its :class:`~bench.corpus_model.Spec`:
the ticket the gateway should put it on and the text a correct parse must show.
Which kind comes next, and in which order, is :mod:`bench.corpus_gen`'s plan; the
pieces (people, bodies, MIME, headers) are :class:`~bench.corpus_parts.MessageParts`'.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

from bench.corpus_model import Person, Spec, Thread
from bench.corpus_parts import MessageParts
from bench.corpus_words import EN_REPLIES, GATEWAY, JA_REPLIES, JST


class Generator(MessageParts):
    """Builds the corpus message by message; see :mod:`bench.corpus_gen`'s docstring."""

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
