"""Fixtures for the coordinator tests: the whole service against the sandbox (the e2e harness)."""

from __future__ import annotations

from tests.e2e.conftest import harness, paced_harness

__all__ = ["harness", "paced_harness"]
