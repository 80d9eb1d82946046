"""Spinecare domain: patients, pathway, triage, alerts, storage. No telegram, no scheduler."""
