"""Spinecare's core, no Telegram and no scheduler. Four folders, one job each.

- ``domain/``: pure values and rules (pathway, triage, codes, office hours); no I/O, no session.
- ``storage/``: tables, queries, the outbox, the unit of work, and the scripts that change rows.
- ``usecases/``: one per thing a person or the clock does; each owns its unit of work.
- ``views/``: read-only queries shaped for a reader (exports, an alert's context), no writes.

``settings.py`` (configuration, used by all) stays at the top.
"""
