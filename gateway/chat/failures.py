"""Why a chat post was not posted (yet), in words each reader reads in their language.

The chat outbox row keeps the :class:`Msg` (``chat_outbox.last_error_said``) beside its
English text, which the log, ``--json`` and the ``chat-failed`` event keep; ``status``
says the newest failure in the reader's language. What Slack or a webhook's service
answered (an error code, an HTTP status, an exception's text) is a parameter. Each
English text is the one kept before the errors were Msgs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

# a link-local refusal is said in the webhook action's words: the same dialer refused it
from gateway.actions.failures import link_local as link_local
from gateway.core.i18n import N_, Msg
from gateway.core.spans import period
from gateway.tickets import event_words
from store.chat import DuePost


def proxy_unusable(why: Msg | str, where: str = "") -> Msg:
    """The environment's proxy setting (``where``: its name, $https_proxy) cannot be
    used: fixed outside, so tried again."""
    if where:
        return N_("the proxy cannot be used: {where}: {why}", where=where, why=why)
    return N_("the proxy cannot be used: {why}", why=why)


def unreachable(error: str | Msg) -> Msg:
    """Slack's API could not be reached (``error``: the exception's type and text)."""
    return N_("Slack unreachable: {error}", error=error)


def rate_limited() -> Msg:
    return N_("rate limited by Slack")


def slack_status(status: int, error: str) -> Msg:
    """Slack answered with a server error (``error``: its error code, or "")."""
    if error:
        return N_("Slack answered HTTP {status} {error}", status=status, error=error)
    return N_("Slack answered HTTP {status}", status=status)


def slack_refused(error: str) -> Msg:
    """Slack will never take this post (``error``: its error code, channel_not_found …)."""
    return N_("Slack refused it: {error}", error=error)


def slack_error(error: str) -> Msg:
    """An expired token, a missing scope: fixable, so tried again."""
    return N_("Slack: {error}", error=error)


def webhook_status(status: int) -> Msg:
    return N_("webhook answered HTTP {status}", status=status)


def webhook_redirect(status: int) -> Msg:
    return N_(
        "webhook answered HTTP {status}, a redirect: not followed (give the gateway the URL "
        "the webhook's service shows)",
        status=status,
    )


def webhook_silent(seconds: float) -> Msg:
    return N_("webhook: no answer within {seconds}s", seconds=format(seconds, "g"))


def lookup_timed_out(host: str, seconds: float) -> Msg:
    """The name server did not answer for ``host`` (Slack's, the webhook's, the proxy's)
    within the [chat] timeout: the post is tried again later."""
    return N_(
        "the name server did not answer for {host} within {seconds}s",
        host=host,
        seconds=format(seconds, "g"),
    )


def webhook_unreachable(error: str | Msg) -> Msg:
    return N_("webhook unreachable: {error}", error=error)


def ticket_gone() -> Msg:
    return N_("the ticket is gone")


def not_configured(target: str) -> Msg:
    """``[chat.slack]`` or ``[chat.teams]`` was removed since the post was queued."""
    return N_("{target} is not configured any more", target=target)


def unknown_kind(kind: str) -> Msg:
    return N_("unknown kind of chat post: {kind}", kind=kind)


def no_card() -> Msg:
    return N_("the ticket's card was never posted")


def waiting_for_card() -> Msg:
    return N_("waiting for the card to be posted")


def notice_limit(recent: int) -> Msg:
    return N_("notice limit: {recent} in the last hour", recent=recent)


def service_down() -> Msg:
    """Another post to the same service just failed: this one waits with it."""
    return N_("service down; waiting")


def gave_up(after: timedelta, error: Msg | str) -> Msg:
    return N_("gave up after {after}: {error}", after=period(after), error=error)


def detail(post: DuePost, error: Msg | str) -> dict[str, Any]:
    """A ``chat-failed`` event's detail: the row, and why, for each reader."""
    return {
        "chat_outbox_id": post.id,
        "target": post.target,
        "channel": post.channel,
        "error": str(error),  # in English: --json, scripts
        **event_words.said(error),  # … said in each reader's language
    }
