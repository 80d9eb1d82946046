"""Use cases: one per thing a person or the clock does; each owns its unit of work."""
