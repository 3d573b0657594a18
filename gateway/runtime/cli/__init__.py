"""The ``ticket-gateway`` command, one module per command group.

:mod:`~gateway.runtime.cli.main` parses the arguments, sets up logging, runs a
command and turns errors into exit codes; the commands live in ``tickets``,
``inbox`` (with ``ingest``), ``catalog`` (with ``stats``), ``actions``, ``schedule``
(``status``, ``digest``, ``sweep``), ``run`` and ``db``, and share ``common``.
Nothing heavy is imported at the top of any of them: SQLAlchemy and the
parser are imported inside the command that needs them, so ``--help`` and a
bad config answer at once.
"""
