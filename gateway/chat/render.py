"""What chat shows, as JSON: the Slack ticket card, channel notices, a Teams Adaptive
Card and a Slack-format webhook message (thread lines: :mod:`gateway.chat.thread_lines`).

Pure: plain values in (a :class:`TicketFacts` and the row's facts), dicts out,
every word from the gettext catalogs in the reader's language (the channel's,
or the person's). Names of catalog entries come from the catalog, which holds
them per language. Slack's mrkdwn gives ``<``, ``>`` and ``&`` a meaning, and
``*``, ``_``, ``~``, backticks, ``:fire:``, ``#general`` and ``@here`` one that cannot
be escaped, so a subject or a name from the catalog or from people is shown in
plain-text objects with ``emoji`` false (the headline, the card's facts, a notice's
details); where only mrkdwn will do (a message's ``text``, what a phone's notification
shows, a thread line) it is made literal (:func:`~gateway.chat.markup.literal_slack`).
Teams and Slack-format webhooks read their texts as Markdown (or, for a webhook into
Slack, mrkdwn): :mod:`gateway.chat.markup` makes the same words literal for each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gateway.chat.approval import Approval, Standing, said
from gateway.chat.markup import escape, literal_card, literal_slack, literal_webhook

# what the person who asked is told of a card not where they asked: its own module
from gateway.chat.told import card_elsewhere as card_elsewhere
from gateway.chat.told import card_given_up as card_given_up
from gateway.chat.told import card_nowhere as card_nowhere
from gateway.chat.told import told_directly as told_directly
from gateway.config.settings import Settings
from gateway.core import slack_length
from gateway.core.domains import readable_address
from gateway.core.i18n import N_, Msg, translate
from gateway.notify import labels

ASSIGN_ME, SET_PENDING, CLOSE = "ticket_assign_me", "ticket_pending", "ticket_close"
APPROVE = "ticket_approve"  # only while the ticket's catalog action waits for approval
BUTTONS = (ASSIGN_ME, SET_PENDING, CLOSE, APPROVE)  # the card's action ids
ADAPTIVE_VERSION = "1.4"  # what Teams renders everywhere (mobile included)

PRIORITIES = {  # a ticket's level (gateway.core.priority), as chat names it
    "low": N_("low"),
    "normal": N_("normal"),
    "high": N_("high"),
    "urgent": N_("urgent"),
}
TARGETS = {  # an SLA deadline, by the scheduler's name for it
    "first_response": N_("first response"),
    "resolve": N_("resolution"),
    "due": N_("due date"),
}


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """One ticket as chat shows it: plain values, names already in the reader's language."""

    id: int
    tag: str  # "[#42]"
    subject: str
    state: str
    entry: str  # the catalog entry's name in the reader's language ("" when none)
    requester: str  # "伊藤 花子 <ito@customer.test>"
    assignee: str  # name or address; "" when nobody has it
    permalink: str = ""  # the Slack message the ticket came from
    priority: str = "normal"  # low | normal | high | urgent
    # where its catalog action stands on a manager's approval (the card says it)
    approval: Approval = field(default_factory=Approval)


HEADER_MAX = 150  # UTF-16 units of a header block's text (Slack's limit)
FIELD_MAX = 2000  # … of one of a section's fields
TEXT_MAX = 3000  # … of any other text object (a context's, a section's)


def state_name(state: str, locale: str) -> str:
    """A state as every door names it for members (gateway.notify.labels): chat had its
    own table, whose "open" shared the CLI's column word 未完了 (not closed)."""
    return translate(labels.state(state), locale)


def priority_name(level: str, locale: str) -> str:
    return translate(PRIORITIES.get(level, level), locale)


def card(t: TicketFacts, locale: str) -> dict[str, Any]:
    """The ticket card in its thread: number, subject, entry, state, assignee, where its
    catalog action stands on approval, and the buttons a press of which may work (none
    on a closed ticket: reopened, by mail or the page, the next update brings them
    back; *Approve* only while the action waits for a manager)."""
    say = _say(locale)
    fields = [
        _field(say(N_("Entry")), t.entry or "—"),
        _field(say(N_("State")), state_name(t.state, locale)),
        _field(say(N_("Priority")), priority_name(t.priority, locale)),
        _field(say(N_("Assignee")), t.assignee or say(N_("nobody"))),
        _field(say(N_("Requester")), t.requester),
    ]
    blocks: list[dict[str, Any]] = [
        _header(f"{t.tag} {t.subject}"),
        {"type": "section", "block_id": f"ticket:{t.id}", "fields": fields},
    ]
    if t.permalink:
        label = escape(say(N_("the message this ticket came from")))
        link = f"<{t.permalink}|{label}>"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": link}]})
    approval = said(t.approval)
    if approval is not None:  # a name from the config: plain text
        blocks.append({"type": "context", "elements": [_plain(say(approval))]})
    if t.state == "closed":  # its presses would be refused (closed; merged: work goes there)
        return {"text": _headline(_mrkdwn(t), locale), "blocks": blocks}
    words = {
        ASSIGN_ME: N_("Assign to me"),
        SET_PENDING: N_("Wait for the requester"),  # the ticket page's words
        CLOSE: N_("Close"),
        APPROVE: N_("Approve"),
    }
    awaiting = t.approval.standing == Standing.AWAITING
    shown = BUTTONS if awaiting else tuple(b for b in BUTTONS if b != APPROVE)
    buttons = [
        {
            "type": "button",
            "action_id": action,
            "text": _plain(say(words[action])),
            "value": str(t.id),
            **({"style": "primary"} if action == ASSIGN_ME else {}),
        }
        for action in shown
    ]
    blocks.append({"type": "actions", "block_id": f"ticket-actions:{t.id}", "elements": buttons})
    return {"text": _headline(_mrkdwn(t), locale), "blocks": blocks}


def notice_text(facts: Mapping[str, str], t: TicketFacts, locale: str) -> str:
    """One line for a channel: a new ticket, an SLA breach, a stale ticket."""
    kind, tag, subject = facts.get("notice", ""), t.tag, t.subject
    if kind == "sla":
        target = translate(TARGETS.get(facts.get("target", ""), facts.get("target", "")), locale)
        msg = N_(
            "SLA breached ({target}) on {tag} {subject}", target=target, tag=tag, subject=subject
        )
    elif kind == "stale":
        msg = N_("No activity for a while on {tag} {subject}", tag=tag, subject=subject)
    else:
        msg = N_("New ticket {tag} {subject}", tag=tag, subject=subject)
    return translate(msg, locale)


def notice(facts: Mapping[str, str], t: TicketFacts, locale: str) -> dict[str, Any]:
    """A channel notice in Slack: the line, then the ticket's facts."""
    say = _say(locale)
    text = notice_text(facts, t, locale)
    assignee, requester, nobody = say(N_("Assignee")), say(N_("Requester")), say(N_("nobody"))
    details = " · ".join(
        x
        for x in (
            t.entry,
            state_name(t.state, locale),
            f"{say(N_('Priority'))}: {priority_name(t.priority, locale)}",
            f"{assignee}: {t.assignee or nobody}",
            f"{requester}: {t.requester}",
        )
        if x
    )
    blocks = [_header(text), {"type": "context", "elements": [_plain(details)]}]
    return {"text": notice_text(facts, _mrkdwn(t), locale), "blocks": blocks}


def webhook_message(
    facts: Mapping[str, str], t: TicketFacts, locale: str, markup: str = "markdown"
) -> dict[str, Any]:
    """A Slack-format incoming-webhook body (Mattermost and Rocket.Chat read it too):
    one text, which Mattermost reads as Markdown and Slack (``markup`` "slack") as
    mrkdwn; what came from mail, people and the catalog is made literal for the one
    that reads it (:func:`~gateway.chat.markup.literal_webhook`,
    :func:`~gateway.chat.markup.literal_slack`). Slack is also told to format nothing
    in it (``mrkdwn`` false): the text holds no formatting of ours."""
    say, literal = _say(locale), literal_slack if markup == "slack" else literal_webhook
    t = replace(  # the tag is the operator's ([gateway] tag_prefix), kept as it reads
        t,
        tag=escape(t.tag),
        subject=literal(t.subject),
        entry=literal(t.entry),
        requester=literal(t.requester),
        assignee=literal(t.assignee),
    )
    entry, state, assignee = say(N_("Entry")), say(N_("State")), say(N_("Assignee"))
    requester, nobody = say(N_("Requester")), say(N_("nobody"))
    lines = [
        notice_text(facts, t, locale),
        f"{entry}: {t.entry or '—'} / {state}: {state_name(t.state, locale)}"
        f" / {say(N_('Priority'))}: {priority_name(t.priority, locale)}"
        f" / {assignee}: {t.assignee or nobody}",
        f"{requester}: {t.requester}",
    ]
    if t.permalink:
        lines.append(t.permalink)
    if markup == "slack":
        return {"text": "\n".join(lines), "mrkdwn": False}
    return {"text": "\n".join(lines)}


def teams_message(facts: Mapping[str, str], t: TicketFacts, locale: str) -> dict[str, Any]:
    """The body a Teams Workflows webhook takes: a message with one Adaptive Card. Its
    TextBlock and its facts' values are Markdown there, with date and time functions:
    what came from mail, people and the catalog is made literal
    (:func:`~gateway.chat.markup.literal_card`)."""
    say = _say(locale)
    t = replace(  # the tag is the operator's ([gateway] tag_prefix), kept as it reads
        t,
        subject=literal_card(t.subject),
        entry=literal_card(t.entry),
        requester=literal_card(t.requester),
        assignee=literal_card(t.assignee),
    )
    facts_set = [
        {"title": say(N_("Entry")), "value": t.entry or "—"},
        {"title": say(N_("State")), "value": state_name(t.state, locale)},
        {"title": say(N_("Priority")), "value": priority_name(t.priority, locale)},
        {"title": say(N_("Assignee")), "value": t.assignee or say(N_("nobody"))},
        {"title": say(N_("Requester")), "value": t.requester},
    ]
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": ADAPTIVE_VERSION,
        "lang": locale,
        "body": [
            {
                "type": "TextBlock",
                "text": notice_text(facts, t, locale),
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            },
            {"type": "FactSet", "facts": facts_set},
        ],
    }
    if t.permalink:
        content["actions"] = [
            {"type": "Action.OpenUrl", "title": say(N_("Open in Slack")), "url": t.permalink}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": content,
            }
        ],
    }


def _mrkdwn(t: TicketFacts) -> TicketFacts:
    """``t`` for a text Slack reads as mrkdwn (a message's ``text``, what a phone's
    notification shows): the operator's tag escaped, the subject as typed
    (:func:`~gateway.chat.markup.literal_slack`: no bold, emoji, channel link or ping)."""
    return replace(t, tag=escape(t.tag), subject=literal_slack(t.subject))


def _headline(t: TicketFacts, locale: str) -> str:
    """The notification text of a card (what a phone shows)."""
    return f"{t.tag} {t.subject} ({state_name(t.state, locale)})"


def _header(text: str) -> dict[str, Any]:
    """A message's headline as a header block: plain text (:func:`_plain`); Slack's limit
    is 150 characters."""
    shown = slack_length.fit(text, HEADER_MAX)
    return {"type": "header", "text": _plain(shown)}


def _field(label: str, value: str) -> dict[str, Any]:
    """One fact of the card: plain text, as every fact holds a name from the catalog or
    from people (:func:`_plain`), cut to a field's limit (an entry's or a member's name
    has no limit of its own, and one field over Slack's refuses the whole card)."""
    return _plain(slack_length.fit(f"{label}\n{value}", FIELD_MAX))


def _plain(text: str) -> dict[str, Any]:
    """Data as Slack shows it as written: plain text, so a subject's or an entry name's
    ``*``, ``_``, ``~`` or backticks are not our bold, italics, strike or code (mrkdwn has
    no way to escape them), its ``<!channel>`` no ping, and its ``:name:`` no emoji. Cut
    with an ellipsis at Slack's limit of a text (a notice's facts, an approver's name),
    never refused."""
    return {"type": "plain_text", "text": slack_length.fit(text, TEXT_MAX), "emoji": False}


def _say(locale: str) -> Any:
    def say(message: Msg) -> str:
        return translate(message, locale)

    return say


def assignee_shown(settings: Settings, email: str, locale: str) -> str:
    """The assignee as a card or notice names them: a member by name, else the address
    as people read it (stored as xn--…); one no longer in ``[[members]]`` (they left
    the team) marked so, as the pages mark them; "" for nobody."""
    member = settings.member(email) if email else None
    if member is not None:
        return member.name or readable_address(member.email)
    shown = readable_address(email) if email else ""
    if email and not settings.on_team(email):
        return f"{shown} {translate(N_('(not in the team)'), locale)}"
    return shown
