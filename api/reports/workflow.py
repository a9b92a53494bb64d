"""The report state machine: which status changes are legal, and from where."""

from __future__ import annotations

from api.errors import ValidationFailed
from api.models.reports import ReportStatus as S

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[S], S]] = {
    "dispatch": (frozenset({S.SUBMITTED, S.TRIAGE}), S.DISPATCHED),
    # An admin picks the category of a report in triage, which dispatches it.
    "classify": (frozenset({S.TRIAGE}), S.DISPATCHED),
    # A category change of a dispatched report sends it to the new owners, who must accept it anew.
    "reroute": (frozenset({S.DISPATCHED, S.ACCEPTED}), S.DISPATCHED),
    "triage": (frozenset({S.SUBMITTED, S.DISPATCHED, S.ACCEPTED}), S.TRIAGE),
    "accept": (frozenset({S.DISPATCHED}), S.ACCEPTED),
    "resolve": (frozenset({S.DISPATCHED, S.ACCEPTED}), S.RESOLVED),
    "reject": (frozenset({S.DISPATCHED, S.ACCEPTED, S.TRIAGE}), S.REJECTED),
    "hand_back": (frozenset({S.DISPATCHED, S.ACCEPTED}), S.TRIAGE),
    "reopen": (frozenset({S.RESOLVED}), S.ACCEPTED),
    "verify": (frozenset({S.RESOLVED}), S.CLOSED),
    "mark_duplicate": (frozenset({S.SUBMITTED, S.TRIAGE, S.DISPATCHED, S.ACCEPTED}), S.DUPLICATE),
}

OPEN_STATUSES = frozenset({S.SUBMITTED, S.TRIAGE, S.DISPATCHED, S.ACCEPTED})

# Statuses in which the response clock runs, so a past due time makes the report overdue.
CLOCK_STATUSES = frozenset({S.DISPATCHED, S.ACCEPTED})


def can(action: str, current: S) -> bool:
    allowed_from, _ = TRANSITIONS[action]
    return current in allowed_from


def target(action: str) -> S:
    return TRANSITIONS[action][1]


def check(action: str, current: S) -> None:
    """Raise STATUS_TRANSITION_INVALID unless ``action`` may start from ``current``."""
    if not can(action, current):
        raise ValidationFailed.single("reportId", "STATUS_TRANSITION_INVALID", status=current.value)
