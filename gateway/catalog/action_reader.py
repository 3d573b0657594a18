"""An entry's ``action:`` → :class:`~gateway.catalog.model.Action`, with every problem.

Two kinds of check: what the YAML says (keys, types, a webhook's URL, a
``when: approved`` entry without a manager), and, when the reader is told
``where`` the catalog lives, what the action refers to outside the file: the
program a command runs, a webhook's secret and CA files, the team's template
for ``on_success.reply``. Relative paths are relative to the catalog file's
folder, which is also where a command runs, so ``argv: [./create-account]``
next to ``catalog.yaml`` works wherever the two are copied together.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import yaml

from gateway.catalog.model import (
    ACTION_TYPES,
    ACTION_WHEN,
    COMMAND_PATH,
    LOCALES,
    NOTIFY,
    SUCCESS_STATES,
    Action,
)
from gateway.catalog.nodes import number, scalar
from gateway.config.units import parse_duration
from gateway.core.errors import ConfigError
from gateway.core.file_kinds import not_a_file
from gateway.core.hosts import is_link_local, is_loopback
from gateway.core.i18n import N_, Msg
from gateway.core.key_strength import weakness
from gateway.core.utf8 import secret_bytes

_KEYS = frozenset(
    {
        "type",
        "url",
        "argv",
        "when",
        "timeout",
        "retries",
        "on_success",
        "on_failure",
        "secret_file",
        "ca_file",
    }
)
_WEBHOOK_ONLY = ("url", "secret_file", "ca_file")
_TEMPLATE = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")
MAX_TIMEOUT = timedelta(hours=1)
MAX_RETRIES = 10


@dataclass(frozen=True, slots=True)
class Where:
    """Where the catalog's references outside the file are looked for."""

    base: Path  # relative paths resolve here, and commands run here
    templates_dir: Path | None = None  # [gateway] templates_dir: on_success.reply
    working_days: bool = False  # [business_hours] is there: waits may be "2bd"
    # the config's [[business_hours.calendars]]: the names an entry's calendar: may say
    calendars: frozenset[str] = frozenset()


class Reporter(Protocol):
    def bad(self, node: Any, message: str | Msg) -> None: ...

    def bad_in_entry(self, node: Any, key: str, problem: str | Msg) -> None: ...

    def mapping(self, node: Any, what: str, *, quiet: bool = False) -> dict[str, Any]: ...


def read_action(r: Reporter, node: Any, manager: str | None, where: Where | None) -> Action | None:
    """The action of an entry whose manager is ``manager``; None when it is unusable."""
    m = r.mapping(node, "action")
    if not m:
        return None
    for key, _ in m.values():
        if key.value not in _KEYS:
            r.bad(key, N_("unknown key {key!r} in an action", key=key.value))
    kind = _choice(r, m, "type", None, ACTION_TYPES, node)
    when = _choice(r, m, "when", "fields_complete", ACTION_WHEN, node)
    if when == "approved" and manager is None:
        r.bad(m["when"][1], N_("'when: approved' needs a 'manager' on the entry to approve"))
    success_state, reply = _on_success(r, m.get("on_success"), where)
    notify = _on_failure(r, m.get("on_failure"), manager)
    common = {
        "type": kind or "",
        "when": when or "fields_complete",
        "timeout": _timeout(r, m.get("timeout")),
        "retries": _retries(r, m.get("retries")),
        "success_state": success_state,
        "success_reply": reply,
        "failure_notify": notify,
    }
    if kind == "webhook":
        return _webhook(r, node, m, where, common)
    if kind == "command":
        return _command(r, node, m, where, common)
    return None


def _webhook(
    r: Reporter, node: Any, m: dict[str, Any], where: Where | None, common: dict[str, Any]
) -> Action:
    if "argv" in m:
        r.bad(m["argv"][0], N_("'argv' belongs to a command action, not a webhook"))
    url = ""
    if "url" not in m:
        r.bad(node, N_("a webhook action needs a 'url'"))
    else:
        url = str(scalar(m["url"][1])).strip()
        problem = url_problem(url)
        if problem is not None:
            r.bad(m["url"][1], problem)
    secret = _file(r, m.get("secret_file"), where)
    if "secret_file" not in m:
        r.bad(node, N_("a webhook action needs a 'secret_file' (the key of its signature)"))
    return Action(url=url, secret_file=secret, ca_file=_file(r, m.get("ca_file"), where), **common)


def _command(
    r: Reporter, node: Any, m: dict[str, Any], where: Where | None, common: dict[str, Any]
) -> Action:
    for key in _WEBHOOK_ONLY:
        if key in m:
            r.bad(m[key][0], N_("{key!r} belongs to a webhook action, not a command", key=key))
    argv: tuple[str, ...] = ()
    if "argv" not in m:
        r.bad(node, N_("a command action needs 'argv' (the program and its arguments)"))
    elif not isinstance(m["argv"][1], yaml.SequenceNode) or not m["argv"][1].value:
        r.bad(m["argv"][1], N_("argv must be a list: the program, then its arguments"))
    elif not all(isinstance(n, yaml.ScalarNode) for n in m["argv"][1].value):
        r.bad(m["argv"][1], N_("every item of argv must be a plain string"))
    else:
        argv = tuple(str(n.value) for n in m["argv"][1].value)
        for item, n in zip(argv, m["argv"][1].value, strict=True):
            if (problem := argument_problem(item)) is not None:
                r.bad(n, problem)
        if where is not None:
            problem = program_problem(argv[0], where.base)
            if problem is not None:
                r.bad(m["argv"][1].value[0], problem)
    return Action(argv=argv, workdir=where.base if where else None, **common)


def url_problem(url: str) -> Msg | None:
    """Why a webhook may not call ``url``: https only, except to this machine."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        return N_("not a URL: {url!r}", url=url)
    if parts.scheme not in ("https", "http") or not host:
        return N_("not an http:// or https:// URL: {url!r}", url=url)
    if parts.username is not None or parts.password is not None:
        return N_("no credentials in the URL: the secret_file signs each delivery")
    if is_link_local(host):  # the cloud's metadata service: never called
        return N_("a link-local address (the cloud's metadata service's range) is never called")
    if parts.scheme == "http" and not is_loopback(host):
        return N_("use https: plain http is allowed only to this machine (127.0.0.1, ::1)")
    return None


def argument_problem(item: str) -> Msg | None:
    """Why ``item`` of argv can reach no program: the system passes arguments as C strings,
    which end at a NUL, and as bytes, which a lone surrogate (``"\\ud800"`` in YAML) has
    none of. Accepted, the run raised at its start, said as the worker's own bug."""
    if "\0" in item:
        return N_(
            "argv item {item!r} holds a NUL character, which no argument can carry", item=item
        )
    try:
        os.fsencode(item)
    except UnicodeEncodeError:
        return N_("argv item {item!r} holds a lone surrogate, which is no character", item=item)
    return None


def program_problem(program: str, base: Path) -> Msg | None:
    """Why ``program`` (argv[0]) cannot run: a path is relative to ``base``, a bare name
    is looked up on the PATH commands get."""
    if "/" not in program:
        if shutil.which(program, path=COMMAND_PATH) is None:
            return N_(
                "program {name!r} not found on {path} (write its path, absolute or "
                "relative to the catalog's folder)",
                name=program,
                path=COMMAND_PATH,
            )
        return None
    path = base / program
    if not path.is_file():  # a folder or a pipe said as what it is, not as missing
        kind = not_a_file(path) if path.exists() else None
        return kind or N_("no such program: {path}", path=str(path))
    if not os.access(path, os.X_OK):
        return N_(
            "not executable: {path} (chmod +x, or run it through its interpreter)", path=str(path)
        )
    return None


def _choice(
    r: Reporter,
    m: dict[str, Any],
    key: str,
    default: str | None,
    choices: tuple[str, ...],
    node: Any,
) -> str | None:
    if key not in m:
        if default is None:
            r.bad(
                node, N_("an action needs {key!r}: {choices}", key=key, choices=", ".join(choices))
            )
        return default
    value = str(scalar(m[key][1]))
    if value not in choices:
        r.bad(
            m[key][1],
            N_(
                "{key} must be one of {choices}, not {value!r}",
                key=key,
                choices=", ".join(choices),
                value=value,
            ),
        )
        return None
    return value


def _timeout(r: Reporter, pair: Any) -> timedelta:
    if pair is None:
        return timedelta(seconds=30)
    try:  # real time, as the config's timeouts: no working days in an hour
        value = parse_duration(scalar(pair[1]))
    except ConfigError as exc:
        r.bad_in_entry(pair[1], "action.timeout", exc.message)
        return timedelta(seconds=30)
    if not timedelta(0) < value <= MAX_TIMEOUT:
        r.bad(pair[1], N_("timeout must be longer than 0s and at most 1h"))
        return timedelta(seconds=30)
    return value


def _retries(r: Reporter, pair: Any) -> int:
    if pair is None:
        return 3
    value = number(pair[1])  # as every number of the catalog: '2' and 2e0 are 2
    if value is None or not 0 <= value <= MAX_RETRIES or value != value.to_integral_value():
        r.bad(pair[1], N_("retries must be a whole number from 0 to {most}", most=MAX_RETRIES))
        return 3
    return int(value)


def _on_success(r: Reporter, pair: Any, where: Where | None) -> tuple[str | None, str | None]:
    if pair is None:
        return None, None
    m = r.mapping(pair[1], "on_success")
    for key, _ in m.values():
        if key.value not in ("state", "reply"):
            r.bad(key, N_("unknown key {key!r} in on_success (state, reply)", key=key.value))
    state = None
    if "state" in m:
        state = str(scalar(m["state"][1]))
        if state not in SUCCESS_STATES:
            r.bad(
                m["state"][1],
                N_(
                    "on_success.state must be one of {choices}, not {value!r}",
                    choices=", ".join(SUCCESS_STATES),
                    value=state,
                ),
            )
            state = None
    reply = None
    if "reply" in m:
        reply = str(scalar(m["reply"][1]))
        problem = template_problem(reply, where)
        if problem is not None:
            r.bad(m["reply"][1], problem)
            reply = None
    return state, reply


def template_problem(kind: str, where: Where | None) -> Msg | None:
    """Why the team's template ``kind`` cannot be rendered in every locale."""
    if not _TEMPLATE.fullmatch(kind):
        return N_("a template name is lower-case letters, digits and '_', not {kind!r}", kind=kind)
    if where is None:
        return None
    if where.templates_dir is None:
        return N_("on_success.reply needs the team's templates: set [gateway] templates_dir")
    for locale in LOCALES:
        for part in ("subject", "txt"):
            name = f"{kind}.{part}.j2"
            found = (where.templates_dir / locale / name, where.templates_dir / name)
            if not any(p.is_file() for p in found):
                return N_("no template {path}", path=str(found[0]))
    return None


def _on_failure(r: Reporter, pair: Any, manager: str | None) -> str | None:
    if pair is None:
        return None
    m = r.mapping(pair[1], "on_failure")
    for key, _ in m.values():
        if key.value != "notify":
            r.bad(key, N_("unknown key {key!r} in on_failure (notify)", key=key.value))
    if "notify" not in m:
        return None
    value = str(scalar(m["notify"][1]))
    if value not in NOTIFY:
        r.bad(
            m["notify"][1],
            N_("on_failure.notify must be assignee or manager, not {value!r}", value=value),
        )
        return None
    if value == "manager" and manager is None:
        r.bad(m["notify"][1], N_("on_failure.notify: manager needs a 'manager' on the entry"))
        return None
    return value


def _file(r: Reporter, pair: Any, where: Where | None) -> Path | None:
    if pair is None:
        return None
    text = str(scalar(pair[1])).strip()
    if not text:
        r.bad(pair[1], N_("{key} must be a file path", key=pair[0].value))
        return None
    path = Path(text).expanduser()
    if where is None:
        return path
    path = path if path.is_absolute() else where.base / path
    if (problem := not_a_file(path)) is not None:  # a pipe or a device said as what it is
        r.bad(pair[1], N_("cannot read {key}: {problem}", key=pair[0].value, problem=problem))
    elif pair[0].value == "secret_file" and (why := key_weakness(path)) is not None:
        r.bad(pair[1], N_("{path}: {why}", path=str(path), why=why))
    return path


def key_weakness(path: Path) -> Msg | None:
    """Why the webhook key in ``path`` (surrounding whitespace is not key) is too weak,
    by the rule of every key (:mod:`gateway.core.key_strength`): the receiver trusts
    whatever carries the signature, so a short or made-up key lets anyone who tries
    the likely ones sign a request of their own. Raises OSError."""
    return weakness(secret_bytes(path).strip())
