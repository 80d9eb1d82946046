"""Domain: pure values and rules (pathway, triage, codes, office hours); no I/O, no session."""
