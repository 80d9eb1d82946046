"""Every patient- and coordinator-facing text (ko, en) and the clinical data files."""
