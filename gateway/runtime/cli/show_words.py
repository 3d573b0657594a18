"""The words ``tickets show`` says for values that are only words for people.

A message's direction and kind, an event's channel and an SLA deadline's mark are
said in the CLI's language; ``--json`` keeps the values (README, "The command line's
language"). Kept apart from :mod:`gateway.runtime.cli.ticket_show`, which prints them.
"""

from __future__ import annotations

from gateway.core.i18n import N_, Msg

# Words for people in the lines of messages and events, said in the CLI's language;
# the values stay as they are in ``--json``. What commands take or write (states, close
# reasons, event kinds, entry ids) is printed as it is: README, "The command line's
# language". An unknown value (a newer kind) is shown as it is.

# a message's direction: came in, or we sent it
DIRECTIONS: dict[str, Msg] = {"in": N_("in"), "out": N_("out")}

# a message's kind: what came in (gateway.runner, gateway.pipeline.loops) …
MESSAGE_KINDS: dict[str, Msg] = {
    "request": N_("request"),  # opened the ticket
    "reply": N_("reply"),  # a requester's or member's answer
    "outsider": N_("outsider"),  # someone not on the ticket answered (attached, nothing more)
    "unverified": N_("unverified"),  # a reply not proven its sender's (kept, nothing more)
    "bounce": N_("bounce"),  # a delivery status notification
    "auto-reply": N_("auto-reply"),  # out of office, vacation
    "report": N_("report"),  # a read receipt or a spam complaint
    "list": N_("list"),  # mailing-list or bulk mail
    "automated": N_("automated"),  # other machine mail (a monitoring alert)
    # … and what we sent (gateway.notify.views.MAIL_KINDS)
    "acknowledgement": N_("acknowledgement"),  # the first answer to a request
    "fields_refused": N_("sheet values refused"),  # a reply's sheet values that were not stored
    "new_ticket": N_("new ticket"),  # the members told of a new ticket
    "ops_reply": N_("ops reply"),  # a member's answer, relayed
    "status_change": N_("status change"),  # the requester told of a state change
    "ticket_notice": N_("member notice"),  # the assignee told of news
    "stale_reminder": N_("stale reminder"),
    "pending_reminder": N_("pending reminder"),  # the requester asked again
    "weekly_digest": N_("weekly digest"),
    "weekly_summary": N_("weekly summary"),
    "command_result": N_("command result"),
    "command_refused": N_("command refused"),
    "sla_overdue": N_("SLA overdue"),
    "health_alert": N_("health alert"),
    "action_reply": N_("action reply"),  # the catalog action's answer to the requester
    "action_failed": N_("action failed"),
    "sign_in": N_("sign-in"),  # a link to sign in to the pages
    "outsider_reply": N_("outsider reply"),  # the assignee told of an outsider's mail
}

# the channel an event came through
CHANNELS: dict[str, Msg] = {
    "email": N_("email"),
    "web": N_("web"),
    "slack": N_("slack"),
    "cli": N_("cli"),  # this command line
    "system": N_("system"),  # the gateway itself: the runner, the scheduler
}


# the mark of an SLA deadline (gateway.scheduling.rules.SlaState), "" when it is fine
MARKS: dict[str, Msg] = {
    "overdue": N_("overdue"),  # the deadline has passed
    "due-soon": N_("due soon"),  # [schedule] due_soon and due_soon_percent
}
