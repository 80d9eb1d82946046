"""Composition root and command-line interface."""
