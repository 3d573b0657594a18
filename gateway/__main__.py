"""``python -m gateway`` is the ``ticket-gateway`` command."""

from gateway.cli import entry_point

entry_point()
