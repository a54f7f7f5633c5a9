"""Verification codes: short, unambiguous, with a check character so typos are caught before
any lookup (Luhn mod N over Crockford's base-32 alphabet)."""
from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
BODY_LENGTH = 10
LENGTH = BODY_LENGTH + 1


class MalformedCode(ValueError):
    pass


def check_character(body: str) -> str:
    """Luhn mod N: catches every single-character error and most adjacent swaps."""
    n, total, factor = len(ALPHABET), 0, 2
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalise(text: str) -> str:
    """Canonical form of a typed code, or MalformedCode saying what is wrong."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -.").translate(_READ_AS)
    if len(cleaned) != LENGTH or any(ch not in _VALUE for ch in cleaned):
        raise MalformedCode("length")
    if check_character(cleaned[:-1]) != cleaned[-1]:
        raise MalformedCode("check")
    return cleaned


def display(code: str) -> str:
    """Grouped for reading aloud: XXXX-XXXX-XXX."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
