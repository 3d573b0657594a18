"""Catalog actions: a complete parameter sheet runs the entry's webhook or command.

``document`` decides (is the sheet complete, what JSON the action gets: pure);
``trigger`` writes ``action_runs`` rows in the transaction of the change that
completed the sheet (or a manager's approval); ``worker`` claims due rows and
runs them through ``webhook`` or ``command``; ``results`` records each outcome
on the ticket through the tickets service (event, note, state, mails).
"""
