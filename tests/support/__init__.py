"""Shared test helpers: factories, fakes and the command line run in-process."""
