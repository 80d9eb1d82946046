"""The one error hierarchy of Spinecare. The CLI turns each into one line and an exit code.

SpinecareError
├── ConfigError            a setting is missing or malformed (exit 2)
├── StorageError           the database cannot be reached or is not migrated (exit 3)
│   └── SchemaBehind       the schema is not at this version's head: `spinecare db upgrade`
├── NotFound               a patient, invite or alert that does not exist (exit 4)
├── InvalidInput           bad input from a person: wrong format, out of range (exit 5)
│   └── InviteRejected     an invite that is unknown, used or expired
└── NotAllowed             the actor may not do this (exit 6)
    └── RefusedQuietly     past the person's allowance of refusals: not audited, not answered
"""

from __future__ import annotations


class SpinecareError(Exception):
    exit_code = 1


class ConfigError(SpinecareError):
    exit_code = 2


class StorageError(SpinecareError):
    exit_code = 3


class SchemaBehind(StorageError):
    """The schema is not the one this code needs; ``spinecare db upgrade`` brings it there."""


class NotFound(SpinecareError):
    exit_code = 4


class InvalidInput(SpinecareError):
    exit_code = 5


class InviteRejected(InvalidInput):
    """Raised without saying which of unknown, used or expired: the caller must not learn more."""


class NotAllowed(SpinecareError):
    exit_code = 6


class RefusedQuietly(NotAllowed):
    """A refusal past the person's allowance: not audited again, not answered."""
