"""Storage: tables, queries, the outbox, the unit of work, and the scripts that change rows."""
