"""``python -m gateway`` is the ``ticket-gateway`` command."""

from gateway.runtime.entry import main

main()
