"""Points domain: ledger, verification and awards, leaderboards, payouts and abuse guards.

Knows nothing of GraphQL. 1 point is worth 1 yuan, and every amount is an integer.
"""

from api.points import messages as _messages  # noqa: F401 - registers the domain's message keys
