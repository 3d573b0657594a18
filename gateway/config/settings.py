"""The settings: frozen, typed dataclasses, one per config section.

Everything the gateway is told by its operator arrives as a :class:`Settings`
built and validated at start by :func:`gateway.config.load.load_settings`
(where the file is: :mod:`gateway.config.locate`). This module holds only the
shapes and their defaults, which are the built-in configuration that works on
a fresh machine: SQLite under ``./var/``, the SMTP listener on 127.0.0.1:2525,
outbound mail written to a local maildir. Modules that need a setting import
its class from here and never read TOML themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from gateway.config.retention import RetentionSettings
from gateway.config.web_settings import WebSettings as WebSettings  # its home; kept here too
from gateway.config.work import AnswersSettings, PrioritySettings
from gateway.core.business_hours import Calendar, WorkingDays
from gateway.core.calendars import ALWAYS, Calendars, always
from gateway.core.domains import ascii_address
from gateway.core.errors import ConfigError
from gateway.core.proxies import ENVIRONMENT, ProxySetting
from gateway.core.tokens import mask_url_passwords


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    address: str = "support@example.test"
    # read through reply_key(), which refuses a key that failed to load; never in a repr
    # (a traceback, a debug line): whoever holds it forges any member's reply address
    secret: bytes = field(default=b"", repr=False)
    secret_file: Path | None = None  # where the secret was read, if from [gateway] secret_file
    # why the key could not be read (a missing or unreadable secret_file): kept, not raised
    # at load, so that what needs no key (status, reading tickets) still works
    secret_problem: ConfigError | None = None
    locale: str = "ja"
    timezone: str = "Asia/Tokyo"
    tag_prefix: str = ""  # "[#42]" by default, "[HELP#42]" with "HELP"
    reopen_window: timedelta = timedelta(days=14)  # a reply to a closed ticket reopens it
    data_dir: Path = Path("var")
    templates_dir: Path | None = None  # the team's overrides, looked up before ours
    auto_reply_limit: int = 5  # automatic mails per recipient per hour (loop brake)
    iso2022jp: bool = False  # Japanese mail as ISO-2022-JP for old clients, else UTF-8
    trusted_authserv_ids: tuple[str, ...] = ()  # our MTAs' Authentication-Results ids
    per_person_domains: tuple[str, ...] = ()  # DKIM/DMARC of these domains names one person
    max_command_lines: int = 20  # reply-command lines read from the top of a reply
    runner_process: bool = True  # ``run``: processing in a process apart from the doors (#18)

    def reply_key(self) -> bytes:
        """The key for reply tokens; raises the load's ConfigError (exit 78, naming the
        key and the file) when it could not be read, never an empty key."""
        if self.secret_problem is not None:
            raise self.secret_problem
        return self.secret

    @property
    def local_part(self) -> str:
        return self.address.rsplit("@", 1)[0]

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = "sqlite:///var/gateway.db"

    def __repr__(self) -> str:
        """The URL with its password masked (``postgresql://gw:…@db/gw``): a settings
        repr reaches tracebacks and debug lines, read by more people than the DBA."""
        return f"DatabaseSettings(url={mask_url_passwords(self.url)!r})"


@dataclass(frozen=True, slots=True)
class CatalogSettings:
    path: Path | None = None  # None: the example catalog shipped with the package


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"  # an absolute path listens on a unix socket (LMTP from Postfix)
    port: int = 2525
    lmtp: bool = False
    max_message_size: int = 25_000_000
    aliases: tuple[str, ...] = ()
    tls_cert: Path | None = None  # STARTTLS is offered when both are set
    tls_key: Path | None = None
    require_tls: bool = False  # no MAIL before STARTTLS
    auth_users_file: Path | None = None  # AUTH (over TLS only) for peers outside trusted
    trusted_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")  # CIDRs, no AUTH needed
    max_sessions: int = 100
    max_sessions_per_client: int = 20  # from one IPv4 address or IPv6 /64 (not a unix socket)
    session_timeout: timedelta = timedelta(minutes=5)  # idle time before we hang up
    max_session_time: timedelta = timedelta(minutes=30)  # a whole session, however busy
    max_recipients: int = 100  # RFC 5321 4.5.3.1.8: at least 100 must be accepted

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int = 993  # 143 by default with tls = "starttls"
    tls: str = "implicit"  # implicit | starttls; there is no plain-text mode
    ca_file: Path | None = None  # None: the system's CAs; verification is never off
    username: str = ""
    auth: str = "password"  # password | xoauth2 (Microsoft 365, Gmail)
    password_file: Path | None = None  # read at each login, so rotation needs no restart
    password_env: str = ""  # name of an environment variable holding the password
    oauth2_token_file: Path | None = None  # kept fresh by an external OAuth helper
    oauth2_token_command: tuple[str, ...] = ()  # argv, run without a shell; stdout = token
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    after: str = "move"  # move | flag: what happens to a message once it is stored
    processed_flag: str = "$Processed"  # the keyword set in flag mode
    idle: bool = True  # IDLE when offered, else poll every poll_interval
    poll_interval: timedelta = timedelta(seconds=60)
    batch_size: int = 50  # messages fetched and committed together
    timeout: timedelta = timedelta(seconds=30)  # connect and read timeout
    retry_initial: timedelta = timedelta(seconds=2)  # first backoff step after a failure
    retry_max: timedelta = timedelta(minutes=5)  # backoff ceiling
    # a message stepped over unstored is a warning in ``status`` for this long, then a
    # health problem (gateway.scheduling.unread)
    max_stepped_over_age: timedelta = timedelta(days=1)

    @property
    def key(self) -> str:
        """Names a folder of a mailbox in bookmarks, inbox ``source_ref`` and log lines."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"

    @property
    def source(self) -> str:
        """The bookmark (``sources`` row) of this folder: what ``status`` judges."""
        return f"imap:{self.key}"


@dataclass(frozen=True, slots=True)
class OutboundSettings:
    mode: str = "maildir"  # maildir (the embedded default) | smtp (a relay)
    host: str = "127.0.0.1"
    port: int = 587  # 465 by default with tls = "implicit", 25 with "none"
    tls: str = "starttls"  # none | starttls | implicit; certificates are always verified
    ca_file: Path | None = None  # a private CA; None: the system's CAs
    username: str = ""  # AUTH only when set
    password_file: Path | None = None  # read at each connection, so rotation needs no restart
    password_env: str = ""
    maildir: Path = Path("var/outbound")
    from_name: str = ""  # display name on our mail; "" → the address alone
    timeout: timedelta = timedelta(seconds=30)
    retry_initial: timedelta = timedelta(minutes=1)  # first backoff after a 4xx or outage
    retry_max: timedelta = timedelta(hours=1)  # backoff ceiling
    give_up_after: timedelta = timedelta(days=3)  # then a temporary failure counts as failed
    # a sent mail's bytes are kept this long, then emptied (None: "forever"); its words,
    # files and headers stay on the ticket, and a mail sent is never sent again
    keep_sent: timedelta | None = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Member:
    email: str
    name: str = ""
    role: str = "ops"  # ops | manager
    locale: str = ""
    time_zone: str = ""  # IANA name of the zone they read times in; "": the team's


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """When the scheduler nags (``gateway.scheduling.rules``); local times: ``timezone``."""

    digest: str = "mon 09:00"  # weekday and local time of the weekly digest; "off": none
    # pending this long: remind the requester; then close as no-response. Real time
    # ("3d": 72 hours), or the team's working days ("2bd", with [business_hours] only)
    pending_reminder_after: timedelta | WorkingDays = timedelta(days=3)
    pending_close_after: timedelta | WorkingDays = timedelta(days=7)
    inventory: bool = False  # force-close tickets nobody touched for inventory_after
    inventory_after: timedelta = timedelta(days=30)
    sweep_interval: timedelta = timedelta(minutes=5)  # how often the sweeps run
    # an SLA deadline is "due soon" once what is left of it is at most due_soon and at
    # most due_soon_percent of its whole window: a 4h target in its last hour, a 2d one in
    # its last 12 hours, a 10d one in its last day (100: due_soon alone)
    due_soon: timedelta = timedelta(days=1)
    due_soon_percent: int = 25
    # the calendar the working days of the waits above count in: a name of
    # [[business_hours.calendars]] or "always"; None: the default, [business_hours]
    calendar: str | None = None


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """When ``status`` exits 1 and the managers get a health alert (``scheduling/health.py``)."""

    max_poll_age: timedelta = timedelta(minutes=15)  # a mailbox not polled for this long
    max_shunted: int = 0  # more shunted inbox rows than this
    max_outbox_age: timedelta = timedelta(minutes=30)  # the oldest unsent mail this old
    max_inbox_age: timedelta = timedelta(minutes=15)  # the oldest unprocessed mail this old
    # the last this many mails that left the outbox all failed for good, the newest within
    # a day, none delivered since: the relay refuses us, not one customer's address (0: off)
    max_failed_in_a_row: int = 5
    alerts: bool = True  # mail the managers when health changes (once, not per check)
    # a daemon (`run`) is expected on this machine: status calls a stopped one a problem.
    # False for a site fed only by `ingest` from the MTA, with cron for sweep and send
    daemon: bool = True


@dataclass(frozen=True, slots=True)
class ActionSettings:
    """How catalog actions run (``gateway.actions``); what runs is in the catalog."""

    workers: int = 2  # actions run at once per instance; 0: this instance runs none
    lease_grace: timedelta = timedelta(seconds=60)  # beyond the timeout, then a re-run
    retry_initial: timedelta = timedelta(seconds=30)  # first backoff after a 5xx, timeout …
    retry_max: timedelta = timedelta(minutes=30)  # backoff ceiling
    output_limit: int = 65_536  # bytes of stdout, stderr or response body kept
    proxy: ProxySetting = ENVIRONMENT  # webhooks' HTTP proxy: the environment's by default


@dataclass(frozen=True, slots=True)
class LimitsSettings:
    """What one message may cost and cause (issue #14); README "Security and limits"."""

    processing_budget: timedelta = timedelta(seconds=30)  # per inbox row; then it is shunted
    isolate_above: int = 1_000_000  # bytes: bigger rows are parsed in a killable worker
    max_participants: int = 20  # people one mail's To/Cc may add to a ticket
    max_relay: int = 20  # people one ops answer is relayed to
    ops_notices_per_hour: int = 10  # notices to ops caused by one sender per hour
    max_watchers: int = 10  # watchers one ticket may have (/cc add, tickets cc)


@dataclass(frozen=True, slots=True)
class MailSettings:
    """``[mail]``: the automatic mails this team sends (``gateway.core.switches``)."""

    off: tuple[str, ...] = ()  # kinds turned off for every ticket, e.g. ("status_change",)
    # notices to one member about one ticket within this window are one mail (0: at once)
    coalesce: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    format: str = "text"  # text | json (one object per line, for a log shipper)


NOTICES = ("new", "sla", "stale")  # the channel notices chat can carry


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """``[chat.slack]``: the Slack app (intake, ticket cards, buttons) and its notices."""

    bot_token: str = field(default="", repr=False)  # xoxb-…, from a file or the environment
    mode: str = "socket"  # socket (no public URL needed) | http (signed requests to us)
    app_token: str = field(default="", repr=False)  # xapp-…, Socket Mode only
    signing_secret: str = field(default="", repr=False)  # HTTP mode only
    http_host: str = "127.0.0.1"  # HTTP mode: where our endpoint listens (behind a proxy)
    http_port: int = 3000
    http_path: str = "/slack/events"
    api_url: str = "https://slack.com/api/"  # the Web API (a test points it at a fake)
    command: str = "/ticket"  # the slash command that opens the form
    channel: str = ""  # channel id for notices of entries without their own; "" = none
    channels: Mapping[str, str] = field(default_factory=dict)  # catalog entry id → channel id
    locale: str = ""  # the channels' language; "" = [gateway] locale
    channel_locales: Mapping[str, str] = field(default_factory=dict)  # channel id → locale
    members: Mapping[str, str] = field(default_factory=dict)  # Slack user id → member email
    notices: tuple[str, ...] = NOTICES
    notice_limit: int = 30  # notices per channel per hour; more wait for the next hour

    def channel_for(self, entry_id: str | None) -> str:
        return self.channels.get(entry_id or "", self.channel)

    def locale_of(self, channel: str, default: str) -> str:
        return self.channel_locales.get(channel) or self.locale or default


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """``[chat.teams]`` (a Workflows webhook, Adaptive Cards) or ``[chat.webhook]`` (a
    Slack-format incoming webhook: Mattermost, Rocket.Chat, Slack): notices only."""

    url: str = field(default="", repr=False)  # carries its own credential: file or env only
    markup: str = "markdown"  # "slack": the text goes to Slack (mrkdwn); Teams: unused
    locale: str = ""  # "" = [gateway] locale
    notices: tuple[str, ...] = NOTICES
    notice_limit: int = 30


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """``[chat]``: off unless one of its sub-sections is configured."""

    slack: SlackSettings | None = None
    teams: WebhookSettings | None = None
    webhook: WebhookSettings | None = None
    timeout: timedelta = timedelta(seconds=10)  # one call to Slack or a webhook
    retry_initial: timedelta = timedelta(seconds=30)  # first backoff after an outage
    retry_max: timedelta = timedelta(minutes=30)
    give_up_after: timedelta = timedelta(days=2)  # then a post counts as failed
    credential_files: tuple[tuple[str, Path], ...] = ()  # (key, file): tokens, webhook URLs

    @property
    def enabled(self) -> bool:
        return any(x is not None for x in (self.slack, self.teams, self.webhook))


@dataclass(frozen=True, slots=True)
class Settings:
    source: str = "<built-in defaults>"
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    imap: tuple[ImapSettings, ...] = ()
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    members: tuple[Member, ...] = ()
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    actions: ActionSettings = field(default_factory=ActionSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    web: WebSettings = field(default_factory=WebSettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    priority: PrioritySettings = field(default_factory=PrioritySettings)  # config.work
    answers: AnswersSettings = field(default_factory=AnswersSettings)  # config.work
    retention: RetentionSettings = field(default_factory=RetentionSettings)  # config.retention
    # [business_hours]: the SLA clock runs only in these hours (config.hours); None: always
    business_hours: Calendar | None = None
    # [[business_hours.calendars]]: the calendars a catalog entry may name, by name
    named_calendars: tuple[tuple[str, Calendar], ...] = ()

    @property
    def calendars(self) -> Calendars:
        """Every calendar an entry may name (the built-in ``always`` too, in the team's
        zone) and the default, ``[business_hours]``: what the rules pick an entry's from
        (:func:`gateway.core.calendars.calendar_for`), and the one ``[schedule]`` names."""
        named = (*self.named_calendars, (ALWAYS, always(self.gateway.timezone)))
        return Calendars(self.business_hours, named, self.schedule.calendar)

    @property
    def own_addresses(self) -> frozenset[str]:
        """The addresses that are us: mail from them is our own, never a participant."""
        return frozenset({self.gateway.address, *self.smtp.aliases})

    def member(self, email: str) -> Member | None:
        """The member at ``email`` in any spelling: compared in the one form every address
        is kept in (:func:`gateway.core.domains.ascii_address`: a domain in Unicode, a
        mail sent with SMTPUTF8, is its A-label; capitals, a root dot are no other one)."""
        wanted = ascii_address(email.strip())
        return next((m for m in self.members if m.email == wanted), None)

    def zone_of(self, email: str | None) -> str:
        """The time zone a reader reads times in: a member's own (``[[members]]
        time_zone``), else the team's, for a requester, an outsider or nobody signed in.
        One rule for every mail and page, so none says a member's time in another zone;
        the team's calendar (SLA, business hours, the digest's week) is not a reader's."""
        member = self.member(email) if email else None
        return (member.time_zone if member is not None else "") or self.gateway.timezone

    def locale_of(self, member: Member) -> str:
        """The language a member reads: their own, else the team's (one rule for every
        mail, page and chat answer to a member, so none of them says it otherwise)."""
        return member.locale or self.gateway.locale

    @property
    def team(self) -> tuple[str, ...]:
        """The members' addresses, as the store keeps them: what its "nobody has it"
        filters and counts are handed (``store.holders``), the SQL twin of
        :meth:`on_team`; empty with no ``[[members]]`` (then anyone may hold a ticket)."""
        return tuple(m.email for m in self.members)

    def on_team(self, email: str | None) -> bool:
        """Whether ``email`` is someone a ticket can be left with: a member, or anyone
        while no ``[[members]]`` are configured. A member taken out of the config keeps
        their tickets' assignee column, and those tickets must not go quiet."""
        return bool(email) and (not self.members or self.member(email or "") is not None)

    def responsible(
        self, assignee: str | None, manager: str | None, team_manager: str | None = None
    ) -> str:
        """Who answers for a ticket, and hears of it: its assignee while on the team
        (:meth:`on_team`), else its entry's manager; "" when neither. A ticket nobody on
        the team has (never assigned, given back to nobody, or its assignee left) under
        an entry with no manager goes to ``team_manager`` (the fallback entry's, the one
        manager every catalog has: ``Catalog.team_manager``, who gets such an entry's new
        tickets too): else its stale reminder, its SLA notice and its requester's reply
        would be told to nobody, the weekly digest aside."""
        if self.on_team(assignee):
            return assignee or ""
        return (manager or team_manager) or ""
