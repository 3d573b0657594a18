"""Is this message automated, and of which kind? (RFC 3834, RFC 3464, RFC 8098, RFC 5965)

A pure verdict on the parsed headers. The consequences live elsewhere: the
runner attaches automated mail to the ticket it concerns without changing its
state, ignores bounces, auto-replies and reports (read receipts, spam complaints)
that concern no ticket, and never answers any of them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection

from gateway.core.i18n import Msg
from gateway.core.model import LoopHeaders, ParsedMessage
from gateway.core.returned import MAX_RETURNED as MAX_RETURNED
from gateway.core.returned import returned_message_ids as returned_message_ids

# one rule for "one of our addresses", which the config's check of [[members]] uses too
from gateway.core.tokens import is_own_address as is_own_address
from gateway.pipeline import away_words, spam_marks
from gateway.pipeline import unanswered as why
from gateway.pipeline.list_machinery import is_list_machinery
from gateway.pipeline.mail_domains import on_mail_domain


class LoopVerdict(enum.StrEnum):
    HUMAN = "human"  # a person wrote this: may be answered
    OWN = "own"  # our own mail came back
    BOUNCE = "bounce"  # a delivery status notification
    AUTO_REPLY = "auto-reply"  # vacation, out-of-office, auto-responder
    REPORT = "report"  # a read receipt or a spam complaint about a message we know
    LIST = "list"  # mailing-list or bulk mail: may open a ticket, never answered
    AUTOMATED = "automated"  # other machine mail (alerts): may open a ticket, never answered


_DAEMON_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|mailer_daemon|mdaemon|noreply-dmarc-support)"
    r"(@|$)",
    re.IGNORECASE,
)
# Exchange and Outlook translate "Automatic reply:" into the sender's language
_AUTO_WORDS = (
    r"auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheitsnotiz|"
    r"automatische antwort|automatisch antwoord|réponse automatique|respuesta automática|"
    r"risposta automatica|resposta automática|automatyczna odpowiedź|автоматический ответ|"
    r"自動応答|自動返信|自動送信|自動配信|不在|自动回复|"
    # Hebrew: Outlook 2010 on ("automatic reply"), Outlook 2003 ("Out of Office AutoReply")
    r"תשובה אוטומטית|מענה 'אני לא נמצא'"
)
# Japanese mailers and web forms put the word in brackets, first or after the subject
# they answer: 【自動返信】お問い合わせ…, ［自動送信］受付完了, Re: 件名【不在通知】. After
# the start only the brackets that mark a tag count: "担当者(不在時)の対応" is a question.
_OPEN_BRACKET = r"[\[【［〔〈《(（<＜「『]\s*"
_TAG_BRACKET = r"[\[【［〔]\s*"
# Without a bracket, a subject that starts with the word is a label only when the label
# ends there: "Out of Office: VPN", 「自動応答: 件名」, 「不在通知（12/28〜1/5）」, the word
# alone. A person asking about their out-of-office, their missed calls (不在着信) or
# mail a system sends (自動送信メールが届かない) writes on, and is answered.
_LABEL_ENDINGS = (
    r"(?:"
    r"通知|のお知らせ|お知らせ|連絡"  # 不在通知, 不在のお知らせ, 不在連絡: a notice of it
    r"|メール|メッセージ"  # 自動返信メール, 自動応答メッセージ: the mail says what it is
    r"|中"  # 不在中: away now
    r")?"
)
_LABEL_END = (
    r"\s*(?:"
    r"$"  # the label alone: "Out of Office", 「不在のお知らせ」
    r"|[:：]"  # before the subject it answers: "Automatic reply: VPN"
    r"|[\[【［〔〈《(（<＜「『]"  # before a bracket: 「不在通知（12/28〜1/5）」
    r"|[-–—/／]\s"  # before a dash: "Out of the office - back on Monday"
    r")"
)
_AUTO_SUBJECT = re.compile(
    rf"^(?:{_OPEN_BRACKET})({_AUTO_WORDS})"
    rf"|^(?:(?:{_AUTO_WORDS}){_LABEL_ENDINGS}\s*)+?(?<=\S){_LABEL_END}"
    rf"|{_TAG_BRACKET}(自動応答|自動返信|自動送信|自動配信|不在)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery (status notification|failure|has failed)|returned mail|"
    r"mail delivery failed|failure notice|non[- ]?delivery|配信不能|配送失敗|メールエラー|"
    # delay warnings are delivery status too (RFC 3464 "Action: delayed"): Postfix,
    # Exchange and Sendmail in plain text
    r"delayed mail|delivery delayed|could not send message for past|"
    # Japanese providers' plain notices: 送信エラー, 配信エラー, 不達, 未達
    r"(送信|配信|配送)エラー|不達|未達)",
    re.IGNORECASE,
)
# A delivery status notification's report-type (RFC 6522): RFC 3464's, RFC 6533's for
# mail in UTF-8 (Postfix and Exchange write it when an address or a returned header is
# not ASCII), or none given under multipart/report.
_DSN_TYPES = ("delivery-status", "global-delivery-status", "")
# Machine reports about one message, other than delivery status (RFC 6522 report-type):
# a read receipt (RFC 8098 MDN, RFC 6533's global one) and an abuse or spam complaint
# (RFC 5965 ARF).
_REPORT_TYPES = ("disposition-notification", "global-disposition-notification", "feedback-report")
# Outlook writing in rich text sends its read receipt as winmail.dat (TNEF, message class
# REPORT.IPM.Note.IPNRN) instead of an MDN; the subject is all it says outside the blob.
# Outlook puts its own word for "Read" before the subject, in the reader's language.
_RECEIPT_SUBJECT = re.compile(
    r"^(not read|read|nicht gelesen|gelesen|non lu|lu|no leído|leído|non letto|letto|"
    r"não lido|lido|niet gelezen|gelezen|przeczytano|прочитано|開封済み|未開封|"
    r"已读|已讀)\s*:",
    re.IGNORECASE,
)
_TNEF = "application/ms-tnef"
# The parts that carry the message a notice is about: a carrier's bounce from a no-reply
# address is told from that address's other mail by the returned message in it.
# (RFC 6532's message/global and RFC 6533's message/global-headers: the same in UTF-8)
_RETURNED_PARTS = (
    "message/rfc822",
    "text/rfc822-headers",
    "message/global",
    "message/global-headers",
)


def verdict(msg: ParsedMessage, own_address: str) -> LoopVerdict:
    """Order matters: our own mail first, then bounces, then auto-replies, then lists."""
    h = msg.loop
    sender = msg.from_.email if msg.from_ else ""
    if _ours(msg, sender, own_address.lower()):
        return LoopVerdict.OWN
    if _is_bounce(msg, sender):
        return LoopVerdict.BOUNCE
    if h.content_type == "multipart/report" and h.report_type in _REPORT_TYPES:
        return LoopVerdict.REPORT
    if _is_tnef_receipt(msg):
        return LoopVerdict.REPORT
    if _is_auto_reply(msg):
        return LoopVerdict.AUTO_REPLY
    if is_list_mail(msg) or h.precedence in ("list", "bulk", "junk"):
        return LoopVerdict.LIST
    if any(mark(h, sender) for mark in _MACHINE_MARKS):
        return LoopVerdict.AUTOMATED
    return LoopVerdict.HUMAN


# The marks of mail a program wrote or passed on that say no more of what it is, one
# row each: such mail may open a ticket, never gets an answer, and on a ticket changes
# nothing (its state stays: a helpdesk's acknowledgement of our status mail is no answer).
# Each row gets the headers and the From's address.
_MACHINE_MARKS: tuple[Callable[[LoopHeaders, str], bool], ...] = (
    lambda h, s: h.auto_submitted not in ("", "no"),  # RFC 3834: anything but "no"
    lambda h, s: h.return_path == "",  # the null sender (RFC 5321 4.5.5): a notification
    # a loop guard that says the mail is automatic: Zammad's and OTRS's "X-Loop: yes"
    # (Zammad reads yes or true so), or a procmail autoresponder's, naming the writer
    # itself. A procmail forward names the forwarding mailbox on a person's mail: any
    # X-Loop withholds our answer (NO_ANSWER_RULES), this one changes a ticket as a reply.
    # Each X-Loop is read: a forwarder's guard may stand above the robot's
    lambda h, s: any(_says_automatic(v, s) for v in h.x_loops or (h.x_loop,)),
)


def _says_automatic(x_loop: str, sender: str) -> bool:
    """An X-Loop that says yes or true, or names the From's own address."""
    return bool(x_loop.strip()) and _loop_guard(x_loop) in ("yes", "true", sender.lower())


def _loop_guard(value: str) -> str:
    """An X-Loop's value as compared: the word or the address, without <> or case."""
    return value.strip().strip("<>").strip().lower()


def on_a_ticket(verdict: LoopVerdict, msg: ParsedMessage, *, member: bool = False) -> LoopVerdict:
    """The verdict once the message is known to belong to a ticket: a person's mail
    whose subject is an auto-reply's (Apple's "Auto reply:", 【自動返信】, 件名【不在通知】,
    with no header to say so) is an auto-reply there, so it never changes the ticket's
    state. For no ticket it stays a person's: a new request may use those words, and
    it opens a ticket, unanswered (``NO_ANSWER_RULES``). So is one that says what it is
    only in its words, under the "Re: [#1] …" of the mail it answers
    (:mod:`gateway.pipeline.away_words`; a ``member``'s only when it says it is automatic)."""
    if verdict != LoopVerdict.HUMAN:
        return verdict
    if _AUTO_SUBJECT.search(msg.subject) or away_words.is_away_notice(msg, says_automatic=member):
        return LoopVerdict.AUTO_REPLY
    return verdict


def from_a_customer_on_a_ticket(verdict: LoopVerdict, msg: ParsedMessage) -> LoopVerdict:
    """A customer's mail on their ticket that a mailing list passed on (their team's
    list has the support address on it, or it rewrote their From for DMARC: "Alice via
    it-users") is a person's reply there, as Zammad and RT file it: kept in silence as
    list mail, the ticket went on waiting on an answer it had and nobody read it. Its
    sender is proven by nothing (a list breaks or replaces the signature), so the reply
    stage keeps it unverified, or an outsider's, and tells the member; and as list
    mail it is never answered (``NO_ANSWER_RULES``). Mail a machine wrote stays list
    mail: Auto-Submitted, Precedence bulk or junk (Unix vacation's), a null sender."""
    h = msg.loop
    machine = h.auto_submitted not in ("", "no") or h.precedence in ("bulk", "junk")
    if verdict != LoopVerdict.LIST or machine or h.return_path == "" or not is_list_mail(msg):
        return verdict
    return on_a_ticket(LoopVerdict.HUMAN, msg)  # an auto-reply's subject still tells


def is_list_mail(msg: ParsedMessage) -> bool:
    """A list manager's headers (RFC 2369, RFC 2919, ezmlm's Mailing-List) are on it:
    a list post is addressed to many, and answering it would answer the list."""
    h = msg.loop
    return bool(h.list_id or h.list_unsubscribe or h.list_other)


def _ours(msg: ParsedMessage, sender: str, own_address: str) -> bool:
    """Our own mail came back: from our address, with the header we set on everything we
    send or marked automatic. The header alone is not ours: another ticket-gateway sets
    it too, and a person's answer relayed by a customer's or vendor's helpdesk must be
    filed, not dropped (it is never answered automatically: ``NO_ANSWER_RULES``' first
    row). Ours under another From (a list resends it under its own) is told by its
    Message-ID, which only the outbox knows (``gateway.runner.early.classify_loop``)."""
    return sender == own_address and bool(msg.loop.x_ticket_gateway or msg.loop.auto_submitted)


def _is_bounce(msg: ParsedMessage, sender: str) -> bool:
    h = msg.loop
    if h.content_type == "multipart/report" and h.report_type in _DSN_TYPES:
        return True
    if not _BOUNCE_SUBJECT.search(msg.subject):
        return False
    if _DAEMON_SENDERS.match(sender) or h.return_path == "":
        return True
    # Japanese carriers send theirs from no-reply addresses (KDDI's "メールエラー通知"),
    # and so do shops their parcel news: only with the returned message in it
    returned = any(a.content_type in _RETURNED_PARTS for a in msg.attachments)
    return returned and bool(_NO_REPLY_SENDERS.match(sender))


def from_the_mail_system(msg: ParsedMessage) -> bool:
    """Whether ``msg`` is under the name a mail system writes its notices under
    (MAILER-DAEMON, postmaster): one that returns a mail of ours is a bounce whatever its
    subject says, in whatever language (``gateway.runner.early.classify_loop`` asks the
    outbox; the subjects above are only the ones known)."""
    return bool(msg.from_ and _DAEMON_SENDERS.match(msg.from_.email))


def _is_tnef_receipt(msg: ParsedMessage) -> bool:
    """Outlook's read receipt in its own format: a receipt's subject, no words of its
    own and nothing but winmail.dat. A person's rich-text mail has its text in the blob
    too, so the subject decides; a "Read:" mail with words or other files is a person's."""
    if not _RECEIPT_SUBJECT.match(msg.subject) or msg.text.strip():
        return False
    return [a.content_type for a in msg.attachments] == [_TNEF]


def _is_auto_reply(msg: ParsedMessage) -> bool:
    h = msg.loop
    if h.auto_submitted.startswith("auto-replied"):
        return True
    if h.x_autoreply or h.x_autorespond or h.x_apple_action == "vacation":
        return True
    # the value RT, Zammad and older vacation programs write instead of RFC 3834's header
    if h.precedence.strip() == "auto_reply":
        return True
    if h.x_auto_response_suppress and _AUTO_SUBJECT.search(msg.subject):
        return True
    return bool(_AUTO_SUBJECT.search(msg.subject)) and h.auto_submitted not in ("", "no")


# ---------------------------------------------------------------- may we answer?

_NO_REPLY_SENDERS = re.compile(
    r"^(?:(mailer-daemon|mailer_daemon|mail-daemon|postmaster|listserv|majordomo|bounces?)"
    # "no reply" may also end or sit inside the local part, with a _ as much as a -:
    # Apple's no_reply@, LinkedIn's notifications-noreply@, DoNotReply@
    r"|(?:[^@]*[+._-])?(no[-_]?reply|do[-_]?not[-_]?reply))([+._-][^@]*)?@",
    re.IGNORECASE,
)

UNWRITABLE = why.UNWRITABLE


def reads_no_answers(email: str) -> bool:
    """A daemon, a no-reply address, or a mailing list's robot or owner."""
    return bool(_NO_REPLY_SENDERS.match(email)) or is_list_machinery(email)


# X-Auto-Response-Suppress (Microsoft, MS-OXCMAIL): the automatic answers its sender asks
# not to get, a list of DR, NDR, RN, NRN, OOF, AutoReply or All. Ours are auto-replies:
# All and AutoReply withhold them; DR/NDR (delivery reports), RN/NRN (read receipts) and
# OOF (out of office) name answers we never send. Exchange writes All on mail a program
# made (a meeting response, a server's notice), not on a person's; Zammad reads All so too.
_SUPPRESSING = frozenset({"all", "autoreply"})


def suppresses_auto_replies(value: str) -> bool:
    """Whether an X-Auto-Response-Suppress value asks for no auto-replies: its words,
    separated by commas and any blanks or folding, in any case; one pass over it."""
    return not _SUPPRESSING.isdisjoint(value.replace(",", " ").lower().split())


def writable(email: str) -> bool:
    """Whether we can write ``email`` in a mail we send: an internationalised address
    (a non-ASCII local part or domain) needs SMTPUTF8 from us to its mailbox."""
    return email.isascii()


_Rule = Callable[[ParsedMessage, str, str | None, Collection[str]], bool]

# The reasons never to send an automatic answer, checked in order; the first
# that matches is the reason recorded. (RFC 3834 section 2 and 5, plus what
# real mail systems send without saying so.)
NO_ANSWER_RULES: tuple[tuple[Msg, _Rule], ...] = (
    # the header we set on everything we send: ours came back, or another ticket-gateway's
    (why.GATEWAY_MAIL, lambda m, s, e, own: bool(m.loop.x_ticket_gateway)),
    # a message from one of our addresses (gateway, alias, reply-token variant)
    (why.OWN_ADDRESS, lambda m, s, e, own: is_own_address(s, own)),
    # the team's own mail server judged it spam (SpamAssassin, rspamd): an answer would
    # be backscatter to a forged sender; a forged verdict only silences its sender
    (why.SPAM, lambda m, s, e, own: spam_marks.marked_spam(m.loop)),
    # RFC 3834: anything but "no" means a machine wrote it
    (why.AUTO_SUBMITTED, lambda m, s, e, own: m.loop.auto_submitted not in ("", "no")),
    # bulk, junk and list mail never gets an answer (RFC 3834 section 2)
    (why.BULK, lambda m, s, e, own: m.loop.precedence in ("bulk", "junk", "list")),
    # mailing lists (RFC 2369, RFC 2919)
    (why.LIST, lambda m, s, e, own: is_list_mail(m)),
    # the null return path: bounces and other notifications (RFC 5321 4.5.5)
    (why.NULL_SENDER, lambda m, s, e, own: m.loop.return_path == "" or e == ""),
    # MAILER-DAEMON, postmaster, noreply, a list's -request and owner- and friends
    # never read answers
    (why.NEVER_READS, lambda m, s, e, own: reads_no_answers(s)),
    # a machine report of any kind (DSN, MDN, ARF abuse feedback): RFC 6522
    (why.MACHINE_REPORT, lambda m, s, e, own: m.loop.content_type == "multipart/report"),
    # someone's loop guard has seen this mail before
    (why.X_LOOP, lambda m, s, e, own: bool(m.loop.x_loop)),
    # the sender asks for no auto-replies (X-Auto-Response-Suppress: All or AutoReply)
    (why.SUPPRESSED, lambda m, s, e, own: suppresses_auto_replies(m.loop.x_auto_response_suppress)),
    # vacation responders that set no header at all (Apple's "Auto reply: …")
    (why.AUTO_SUBJECT, lambda m, s, e, own: bool(_AUTO_SUBJECT.search(m.subject))),
    # nobody to answer
    (why.NO_ADDRESS, lambda m, s, e, own: "@" not in s),
    # 田中@例え.jp (RFC 6531) is written only with SMTPUTF8 end to end, which we do not send
    (UNWRITABLE, lambda m, s, e, own: not writable(s)),
    # x@[10.0.0.5], root@localhost, x@10.0.0.5: our relay would go inside (mail_domains)
    (why.NO_MAIL_DOMAIN, lambda m, s, e, own: not on_mail_domain(s, own)),
)


def may_auto_answer(
    msg: ParsedMessage,
    verdict: LoopVerdict,
    own_addresses: Collection[str],
    envelope_from: str | None = None,
    members: Collection[str] = (),
) -> tuple[bool, Msg | str]:
    """Whether an automatic mail may answer ``msg``, and if not, why not (a Msg of
    :mod:`gateway.pipeline.unanswered`, which the ticket's history says; "" when it may).

    ``own_addresses``: the gateway address and its aliases, lower-case; their
    ``+token`` variants count too. ``envelope_from`` is the SMTP MAIL FROM
    ("" for the null sender ``<>``; None when unknown). ``members``: the ``[[members]]``
    addresses (``Settings.team``), answered on no mail domain too (:data:`KEPT_MEMBERS`).
    """
    if verdict != LoopVerdict.HUMAN:
        return False, why.not_a_person(verdict.value)
    sender = msg.from_.email.lower() if msg.from_ else ""
    own = {a.lower() for a in own_addresses}
    for reason, rule in NO_ANSWER_RULES:
        if rule(msg, sender, envelope_from, own) and not _kept(reason, sender, members):
            return False, reason
    return True, ""


def never_answered(email: str, own: Collection[str], members: Collection[str] = ()) -> Msg | str:
    """Why an address must never get automatic mail, whatever the mail ("" when it may):
    one of ours, or a sender that never reads answers (for mail that answers no message,
    such as a status mail, where the rules above have no message to look at).
    ``members``: as :func:`may_auto_answer`'s."""
    email = email.lower()
    if "@" not in email:
        return why.NO_ADDRESS
    if is_own_address(email, {o.lower() for o in own}):
        return why.OWN_ADDRESS
    if reads_no_answers(email):
        return why.NEVER_READS
    if not writable(email):
        return UNWRITABLE
    if not on_mail_domain(email, own) and not _kept(why.NO_MAIL_DOMAIN, email, members):
        return why.NO_MAIL_DOMAIN
    return ""


# Policy: the rules a ``[[members]]`` address passes. One on no mail domain
# (``ops@localhost`` on a test machine) is the operator's choice, not a sender's: a
# member's own request is acknowledged and answered there, as the team's notices go
# there; dropped, its answers reached the member by no path (their notices leave out
# what comes to them as the requester's).
KEPT_MEMBERS = (why.NO_MAIL_DOMAIN,)


def _kept(reason: Msg, email: str, members: Collection[str]) -> bool:
    return any(reason is kept for kept in KEPT_MEMBERS) and email in members


def within_rate_limit(sent_last_hour: int, limit: int) -> bool:
    """At most ``limit`` automatic mails to one address per hour; 0 turns them off."""
    return sent_last_hour < limit
