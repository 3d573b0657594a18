"""Log lines as text for people or as JSON objects for log shippers.

Every line, in either format, has reply tokens masked (``support+42-…@…``), the
password of any URL's user part (``http://bob:…@proxy:3128``) and the token of a
page's sign-in link (``/sign-in/…``: the web guard names the path of a request cut
short, and an unspent link is a member's session): libraries log URLs at DEBUG
(slack_sdk the proxy it read from ``https_proxy``), and logs are read by more people
than the secrets' owners.
``[logging] format = "json"`` writes one JSON object per line: the usual time,
level, logger and message, plus every structured field a caller passed with
``extra=`` (the runner's per-message line carries ticket, message_id, source,
verdict and duration that way), so a log system can filter on them without
parsing the text.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from gateway.core.tokens import mask_tokens, mask_url_passwords

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# attributes every LogRecord has: anything else on a record came from ``extra=``
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


# a sign-in link's token (gateway.web.signin: 43 URL-safe characters; 16 or more here,
# so one cut or written longer is masked too, and a word such as "expired" is not)
_SIGN_IN_TOKEN = re.compile(r"(/sign-in/)[A-Za-z0-9_-]{16,}")


def mask_secrets(text: str) -> str:
    """``text`` with reply tokens, URL passwords and sign-in links' tokens masked (see
    the module's docstring)."""
    return _SIGN_IN_TOKEN.sub("\\1…", mask_url_passwords(mask_tokens(text)))


class TextFormatter(logging.Formatter):
    """The text lines, reply tokens (issue #14: a member token is a credential) and URL
    passwords masked."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(self._format(record))  # message, fields and traceback alike

    def _format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            # the record's own timestamp, not a clock read: nothing here decides anything
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def use_format(fmt: str, root: logging.Logger | None = None) -> None:
    """Switch the handlers already installed (by the CLI) to ``fmt``: text | json."""
    formatter = JsonFormatter() if fmt == "json" else TextFormatter()
    for handler in (root or logging.getLogger()).handlers:
        handler.setFormatter(formatter)
