"""The sandbox a team's templates run in: Jinja's, with ``*`` and ``**`` bounded.

Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment` keeps a template from Python's
insides and bounds ``range``, but ``{{ 'x' * 10**10 }}`` would still take the memory
of the process that files every request, and ``9 ** 9 ** 9`` its time. A mail needs
neither: a product or power bigger than :data:`MAX_SIZE` (characters or items) or
:data:`MAX_EXPONENT` is refused as unsafe, which the renderer treats as any other
mistake of the team's (logged; the mail sent from our templates).
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

MAX_SIZE = 100_000  # characters (or items) one `*` may make: far above a mail's line
MAX_EXPONENT = 1_000  # `**` beyond this: a number no mail shows


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, whose ``*`` and ``**`` refuse a result no mail needs."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, Sized) and isinstance(times, int)
                if sized and len(seq) * times > MAX_SIZE:
                    raise SecurityError(f"a value of over {MAX_SIZE} items is not allowed")
        elif isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"an exponent over {MAX_EXPONENT} is not allowed")
        return super().call_binop(context, operator, left, right)
