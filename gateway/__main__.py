"""``python -m gateway`` is the ``ticket-gateway`` command."""

from gateway.entry import main

main()
