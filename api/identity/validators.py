"""Input rules for real-name registration."""

from __future__ import annotations

import re
from datetime import date

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
# GB 11643-1999: weights of the first 17 digits, and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_phone(raw: str) -> str | None:
    """Return the 11-digit mainland mobile number, or None when it is not one.

    Spaces and hyphens are ignored, and a +86 or 0086 country prefix is dropped.
    """
    digits = re.sub(r"[\s-]", "", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits if _MOBILE.match(digits) else None


def normalise_id_number(raw: str, *, today: date | None = None) -> str | None:
    """Return the 18-character resident ID number, or None when it is invalid.

    Checks the form, the birth date (a real day, not in the future, not before
    1900) and the GB 11643 check character.
    """
    value = (raw or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return None
    if value[0] not in "123456789":
        return None
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    if birth.year < 1900 or birth > (today or date.today()):
        return None
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != value[17]:
        return None
    return value


def id_number_check_character(first17: str) -> str:
    """Compute the check character for 17 digits (used to make test and demo numbers)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def normalise_real_name(raw: str) -> str | None:
    value = re.sub(r"\s+", " ", (raw or "").strip())
    if not 2 <= len(value) <= 30:
        return None
    if re.search(r"[\d<>{}\[\]@#$%^&*=+\\/|;:\"]", value):
        return None
    return value


def is_valid_username(raw: str) -> bool:
    return bool(_USERNAME.match(raw or ""))
