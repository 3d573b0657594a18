"""Outgoing mail: view models → templates → MIME → outbox → sender."""
