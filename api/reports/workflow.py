"""The report state machine: which status changes are legal, and from where."""

from __future__ import annotations

from api.models.reports import ReportStatus as S

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[S], S]] = {
    "dispatch": (frozenset({S.SUBMITTED, S.TRIAGE}), S.DISPATCHED),
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


def can(action: str, current: S) -> bool:
    allowed_from, _ = TRANSITIONS[action]
    return current in allowed_from


def target(action: str) -> S:
    return TRANSITIONS[action][1]
