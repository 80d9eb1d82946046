"""Codes people see: unguessable invite codes and short pseudonymous patient codes."""

from __future__ import annotations

import hashlib
import secrets

# Unambiguous letters and digits (no 0/O, 1/I/L) for codes read aloud over the phone.
PATIENT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PATIENT_CODE_LENGTH = 6
INVITE_BYTES = 24  # 192 bits; token_urlsafe gives 32 characters of [A-Za-z0-9_-]


def new_invite_code() -> str:
    """A code within Telegram's start-parameter alphabet ([A-Za-z0-9_-], at most 64 characters)."""
    return secrets.token_urlsafe(INVITE_BYTES)


def new_patient_code() -> str:
    body = "".join(secrets.choice(PATIENT_CODE_ALPHABET) for _ in range(PATIENT_CODE_LENGTH))
    return f"P-{body}"


def hash_invite(code: str) -> str:
    """Only this hash is stored: a copy of the database does not hold usable invites."""
    return hashlib.sha256(code.encode()).hexdigest()


def looks_like_invite(code: str) -> bool:
    return 16 <= len(code) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-") for c in code)


def normalise_patient_code(code: str) -> str:
    cleaned = code.strip().upper().replace(" ", "")
    return cleaned if cleaned.startswith("P-") else f"P-{cleaned}"
