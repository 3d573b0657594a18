"""Messages the code no longer makes but the database still holds.

An event, a note, a health alert or an action run keeps the Msg it was written with
(``gateway.core.i18n.dump``) and says it again in each reader's language whenever it
is shown. When a rule's words change or the rule goes, rows written before still carry
the old msgid; ``tools/i18n.py update`` keeps only what it finds marked in the code,
so without this table those rows would read in English on a Japanese page.

Add a row here when a message that could have been stored is changed or removed
(tests/test_stored_words.py checks each is translated and no longer made elsewhere).
Nothing imports this module to say these: they are only ever read back from rows.
"""

from __future__ import annotations

from gateway.core.i18n import N_, Msg

# msgid as it was stored, its parameters' names kept (the rows fill them)
RETIRED: tuple[Msg, ...] = (
    # 2026-12-05 (c7e1612): /category's refusal; it now names the entry most likely
    # meant or lists the entries. Kept in command-refused events (detail.said).
    N_("unknown catalog entry {entry!r}"),
    # 2026-12-05 (f79a0f6): the gateway's note when a catalog action's reply template
    # could not be filled in; the action-reply-failed event says it now. Kept in notes.
    N_(
        "The reply {template} of the action of {entry} (run #{run}) was not sent: its "
        "template could not be filled in with what the action answered ({error}).",
    ),
    # 2026-12-05 (d5c7d90): the health problem of IMAP messages that could not be
    # flagged, now said per mailbox with what to do. Kept in health alerts (detail.said).
    N_(
        "uid {uids} could not be flagged {flag} ({server}) after {tries} tries; "
        "left in the folder for a person to look at",
    ),
    # 2026-12-05 (d5c7d90): the same for messages that could not be moved.
    N_(
        "uid {uids} could not be moved to {folder} ({server}) after {tries} tries; "
        "left in the folder for a person to look at",
    ),
    # 2026-12-05: counts said "row(s)", "attempt(s)", "message(s)"; now gettext plurals
    # (NP_). Kept in health alerts (detail.said), action notes and action runs.
    N_("{count} shunted inbox row(s), more than health.max_shunted = {limit} ({command})"),
    N_(
        "{count} outgoing mail(s) failed for good in the last 24 h, not retried ({command}"
        " shows each one's delivery-failed event): {failures}",
    ),
    N_(
        "mailbox {account}: {count} stored message(s) could not be flagged {flag} after "
        "{tries} tries and are left in the folder: {first}{more}; the server answered: "
        "{server}. Each is stored already: flag it or move it out of the folder by hand "
        "in a mail client, or fix the cause on the server and restart the daemon, which "
        "then tries again",
    ),
    N_(
        "mailbox {account}: {count} stored message(s) could not be moved to {folder} after "
        "{tries} tries and are left in the folder: {first}{more}; the server answered: "
        "{server}{copies}. Each is stored already: move or delete it by hand in a mail "
        "client, or fix the cause on the server (quota, folder permissions) and restart "
        "the daemon, which then tries again",
    ),
    N_(
        "The action of {entry} ({type}) failed for good after {attempts} attempt(s): "
        "{error} (run #{run}; ticket-gateway actions retry {run} runs it again).",
    ),
    N_("gave up: {attempts} attempt(s) never reported (the worker died)"),
    # 2026-12-06: the member's words in a command's refusal were put in with repr()
    # ({value!r}): 'x' in Japanese text too. Each catalog now quotes them ('x', 「x」).
    # Kept in command-refused events (detail.said).
    N_("entry {entry!r} has no action that waits for approval"),
    N_("no saved answer {name!r}"),
    N_("no saved answer {name!r} (the team has none yet)"),
    N_("no saved answer {name!r} (there are: {names})"),
    N_("not a saved answer's name: {name!r}"),
    N_("not a ticket number: {value!r}"),
    N_("not an e-mail address: {value!r}"),
    N_("not an e-mail address: {value}"),  # /cc add's own, its value put in by repr()
    N_("saved answer {name!r} cannot be used"),
    N_("saved answer {name!r} cannot be used: {problem}"),
    N_(
        "this ticket's entry {entry!r} is no longer in the catalog; file it under "
        "another with /category",
    ),
    N_("unknown catalog entry {entry!r}; did you mean {known}?"),
    N_("unknown catalog entry {entry!r}; the entries are: {entries}"),
    N_("unknown close reason {reason!r} (use one of: {known})"),
    N_("unknown field {name!r} for entry {entry!r}; did you mean {known}?"),
    N_("unknown field {name!r} for entry {entry!r}; its fields are: {fields}"),
    N_("unknown field {name!r}: entry {entry!r} has no parameter sheet"),
    N_("unknown priority {value!r} (use one of: {known})"),
    N_("{member!r} names several members; write the address"),
    N_(
        "{value!r}: the domain {domain!r} has no IDNA (punycode) form: {why}; write the "
        "domain as its owner registered it",
    ),
    N_(
        "{value!r}: the part before @ ({local!r}) is not ASCII, which mail can carry "
        "only with SMTPUTF8, and the gateway sends without it; give an ASCII address "
        "for this mailbox",
    ),
    N_("not a date: {value!r} (write YYYY-MM-DD)"),
    N_("no such date: {value!r}"),
    # 2026-12-07: /answer's refusal of a file too big or outside the folder said no
    # reason; it now says which. Kept in command-refused events (detail.said).
    N_("saved answer '{name}' cannot be used"),
)
