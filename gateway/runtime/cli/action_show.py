"""``ticket-gateway actions show RUN``: one run of a catalog action, all of it.

``actions list`` shows a run's last status and error; the ticket's events hold each
attempt. An ops member asking "why did run #7 fail, and what did we send?" had to put
these together from ``tickets show`` (Zammad's trigger log and RT's scrip log show one
delivery whole). This shows the run, the request as it is sent on every attempt (the
exact body, the headers or the program and its stdin; a URL's, a header's, an
option's or an assignment's secrets masked), each attempt with its status, duration,
delivery id, error and the first lines of its answer, the last answer as kept, and when
the next try is.
A reading command: it changes nothing and wires only what it reads with.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import N_, NP_
from gateway.runtime.cli.common import EX_OK, EX_UNAVAILABLE, Speaker, print_json, reading

if TYPE_CHECKING:
    from gateway.catalog.model import Action, Catalog
    from gateway.config.settings import Settings
    from gateway.core.i18n import Msg

CONTENT_TYPE = "application/json; charset=utf-8"  # as gateway.actions.webhook sends it
MASKED = "…"


def cmd_actions_show(args: argparse.Namespace, settings: Settings) -> int:
    from store import action_runs
    from store.db import transaction

    said = Speaker(settings)
    with reading(settings) as app, transaction(app.sessions, read_only=True) as s:
        row = action_runs.get(s, args.id)
        if row is None:
            said.warn(N_("no action run #{run}", run=args.id))
            return EX_UNAVAILABLE
        data = action_runs.view(row)
        data["document"] = row.document  # the exact body (stdin) of every attempt
        data["events"] = action_runs.run_events(s, row)
        catalog = app.catalog.current
    data["request"] = request(data, catalog)
    data["attempt_events"] = [e for e in data["events"] if e["kind"] == "action"]
    if args.json:
        print_json(data)
        return EX_OK
    RunShower(said, settings.gateway.timezone).show(data)
    return EX_OK


def request(run: dict[str, Any], catalog: Catalog) -> dict[str, Any] | None:
    """What every attempt of the run sends, as the catalog's action is now (the worker
    reads it at each attempt); None while nothing is to be sent (awaiting approval, or
    withdrawn before a manager approved it) or when the entry has no action of the
    run's type now."""
    from gateway.core.tokens import mask_url_passwords

    entry = catalog.entry(run["entry"])
    action = entry.action if entry is not None else None
    if not run["document"] or action is None or action.type != run["type"]:
        return None
    if action.type == "webhook":
        return {
            "method": "POST",
            "url": mask_url_passwords(action.url),
            "headers": {
                "Content-Type": CONTENT_TYPE,
                "Idempotency-Key": run["idempotency_key"],
                "X-Ticket-Gateway-Signature": f"sha256={MASKED}",  # keyed by secret_file
                "X-Ticket-Gateway-Delivery": MASKED,  # a new id per attempt: the attempts'
            },
            "body": run["document"],
        }
    return {
        "argv": masked_argv(action),
        "workdir": str(action.workdir) if action.workdir else None,
        "environment": {"TICKET_GATEWAY_IDEMPOTENCY_KEY": run["idempotency_key"]},
        "stdin": run["document"],
    }


# a header as curl's -H or --header takes it: "Name: value"
_HEADER = re.compile(r"([A-Za-z0-9-]+):[ \t]*(.*)", re.DOTALL)
# headers whose value is a credential though no word of SECRET_WORDS names it
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# options whose value is "user:password" (curl's -u and --user, its proxy's)
USER_OPTIONS = frozenset({"-u", "--user", "-U", "--proxy-user"})
# the name of an assignment (env's NAME=value, a program's name=value argument)
_ASSIGNED = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def masked_argv(action: Action) -> list[str]:
    """A command's argv as shown: an option's credential masked (``--token=…``, the word
    after ``--password``), a header's (curl's ``-H "Authorization: …"``), an
    assignment's (``API_TOKEN=…``), a user option's password (``-u bob:…``), and a
    URL's in any item (``https://bob:…@host``)."""
    out: list[str] = []
    option = ""  # the option the item follows, when it took no value of its own
    for item in action.argv:
        out.append(_masked_item(item, option))
        option = item if item.startswith("-") and "=" not in item else ""
    return out


def _masked_item(item: str, option: str) -> str:
    """One item of an argv as shown, after ``option`` ("": none)."""
    from gateway.core.tokens import names_secret

    if option and names_secret(option):
        return MASKED
    if option in USER_OPTIONS:
        return _masked_user(item)
    name, eq, value = item.partition("=")
    if item.startswith("-") and eq:
        if names_secret(name):
            return f"{name}={MASKED}"
        return f"{name}={_masked_user(value) if name in USER_OPTIONS else _masked_word(value)}"
    if eq and _ASSIGNED.fullmatch(name) and names_secret(name):
        return f"{name}={MASKED}"
    return _masked_word(item)


def _masked_word(text: str) -> str:
    """A header's credential, or a URL's, masked."""
    from gateway.core.tokens import mask_url_passwords, names_secret

    header = _HEADER.fullmatch(text)
    if header and (names_secret(header[1]) or header[1].lower() in CREDENTIAL_HEADERS):
        return f"{header[1]}: {MASKED}"
    return mask_url_passwords(text)


def _masked_user(text: str) -> str:
    """``user:password`` as ``user:…``."""
    user, colon, _password = text.partition(":")
    return f"{user}:{MASKED}" if colon else text


def status(action_type: str, code: int | None) -> str:
    """An HTTP status or a command's exit code, as the runs' events say it (``-``: none
    came: a timeout, a refused connection)."""
    if code is None:
        return "-"
    return f"HTTP {code}" if action_type == "webhook" else str(code)


class RunShower:
    """Prints one run for people, in the CLI's language."""

    def __init__(self, said: Speaker, timezone: str) -> None:
        self.said, self.timezone = said, timezone

    def time(self, value: str | None) -> str:
        from gateway.core.zone import OutOfRange, local_time

        at = local_time(value, self.timezone)
        return at.said(self.said.locale) if isinstance(at, OutOfRange) else at

    def line(self, label: Msg, value: object, indent: str = "  ") -> None:
        if value not in (None, ""):
            print(f"{indent}{self.said(label)}: {value}")

    def show(self, run: dict[str, Any]) -> None:
        from gateway.runtime.cli.ticket_show import run_state
        from store.action_runs import said_error_of

        said = self.said
        said.say(
            N_(
                "Run #{run} of ticket #{ticket}: {entry} ({type})",
                run=run["id"],
                ticket=run["ticket"],
                entry=run["entry"],
                type=run["type"],
            )
        )
        self.line(N_("State"), run_state(run["state"], said))
        self.line(N_("Triggered by"), f"{run['triggered_by']} ({run['trigger']})")
        self.line(N_("Idempotency key"), run["idempotency_key"])
        self.line(N_("Input SHA-256"), run["input_sha256"])
        self.line(N_("Attempts"), run["attempts"])
        self.line(N_("Last status"), status(run["type"], run["last_status"]))
        self.line(N_("Last error"), said(said_error_of(run)))
        self.line(N_("Duration of the last attempt"), self.ms(run["duration_ms"]))
        self.line(N_("Written"), self.time(run["created_at"]))
        self.line(N_("Started"), self.time(run["started_at"]))
        self.line(N_("Finished"), self.time(run["finished_at"]))
        if run["state"] == "pending":
            self.line(N_("Next try"), self.time(run["next_attempt_at"]))
        elif run["state"] == "running":  # the lease: when another worker may take it over
            self.line(N_("Taken over if silent after"), self.time(run["next_attempt_at"]))
        self.request(run)
        self.history(run["events"])
        self.answer(run)

    def ms(self, value: int | None) -> str:
        return "" if value is None else self.said(N_("{ms} ms", ms=value))

    def request(self, run: dict[str, Any]) -> None:
        said, sent = self.said, run["request"]
        print("\n" + said(N_("Request (the same on every attempt):")))
        if sent is None and not run["document"]:
            print("  " + said(N_("none yet: it waits for (or never had) a manager's approval")))
            return
        if sent is None:
            print("  " + said(N_("the catalog has no such action now; the body as stored:")))
        elif "url" in sent:
            print(f"  {sent['method']} {sent['url']}")
            for name, value in sent["headers"].items():
                print(f"  {name}: {value}")
        else:
            print("  " + " ".join(sent["argv"]))
            self.line(N_("Working folder"), sent["workdir"])
            for name, value in sent["environment"].items():
                print(f"  {name}={value}")
        print(f"\n  {run['document']}")

    def history(self, events: list[dict[str, Any]]) -> None:
        from gateway.runtime.cli.ticket_show import run_state
        from gateway.tickets import event_words

        said = self.said
        print("\n" + said(N_("History:")))
        for e in events:
            detail = e["detail"] or {}
            head = f"  {self.time(e['at'])} {e['kind']}"
            if e["kind"] != "action":
                print(f"{head} {e['new'] or ''} ({e['actor']})".rstrip())
                continue
            print(
                said(
                    N_(
                        "{head} attempt {attempt}: {step}, status {status}, {duration}",
                        head=head,
                        attempt=detail.get("attempt", "?"),
                        step=run_state(e["new"] or "", said),
                        status=status(str(detail.get("type", "")), detail.get("status")),
                        duration=self.ms(detail.get("duration_ms")) or "-",
                    )
                )
            )
            self.line(N_("Delivery id"), detail.get("delivery_id"), "      ")
            self.line(N_("Error"), said(event_words.why("action", detail)), "      ")
            self.line(N_("Next try"), self.time(detail.get("next_attempt_at")), "      ")
            for text in str(detail.get("output") or "").strip().splitlines():
                print(f"      {text}")

    def answer(self, run: dict[str, Any]) -> None:
        said = self.said
        if not run["output"] and not run["output_cut"]:
            return
        print("\n" + said(N_("Answer of the last attempt:")))
        for text in run["output"].splitlines():
            print(f"  {text}")
        cut = int(run["output_cut"])
        if cut > 0:
            more = NP_("[… and {size} more byte]", "[… and {size} more bytes]", cut, size=cut)
            print("  " + said(more))
        elif cut < 0:
            print("  " + said(N_("[… and more, not read]")))


def register(a: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from gateway.runtime.cli.help_language import h
    from gateway.runtime.cli.numbers import whole

    sh = a.add_parser(
        "show",
        help=h(N_("one run: the request sent, each attempt, the answer, the next try")),
    )
    sh.add_argument("id", type=whole)
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(handler=cmd_actions_show)
