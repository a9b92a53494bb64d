"""One subscriber's stream: replay from a cursor, then live events, with no gap and no repeat.

The stream opens its inbox on the hub before it reads the outbox, so every
event dispatched from then on is buffered. The replay then reads every
committed event after the client's cursor up to the newest one, and remembers
the highest cursor it read (the seam). Live events at or below the seam were
already covered by the replay and are dropped. Every event above the seam is
dispatched to the inbox after the inbox opened, because the hub dispatches in
cursor order without gaps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from api.auth.principal import Principal
from api.config import get_settings
from api.events import envelope as envelopes
from api.events import outbox, runtime
from api.events.envelope import Envelope
from api.events.visibility import may_receive
from api.models.identity import Role

REPLAY_PAGE = 200


def receivable(principal: Principal, selects: Callable[[Envelope], bool]) -> Callable[[Envelope], bool]:
    def accepts(item: Envelope) -> bool:
        return selects(item) and may_receive(principal, item.audience, visible_to_reporter=item.visible_to_reporter)

    return accepts


async def events(
    principal: Principal, *, after: int | None, selects: Callable[[Envelope], bool]
) -> AsyncIterator[Envelope]:
    """Yield the events ``principal`` may receive and ``selects`` picks, oldest first."""
    realtime = runtime.current()
    accepts = receivable(principal, selects)
    inbox = realtime.hub.open(accepts, get_settings().subscription_buffer_events)
    try:
        seam = 0
        if after is not None:
            seam = after
            async for item, scanned in _replay(principal, after):
                seam = scanned
                if item is not None and accepts(item):
                    yield item
        while True:
            item = await inbox.next()
            if item.cursor > seam:
                yield item
    finally:
        realtime.hub.close(inbox)


async def _replay(principal: Principal, after: int) -> AsyncIterator[tuple[Envelope | None, int]]:
    """Committed events after ``after`` with the cursor read so far, which also advances past hidden events."""
    position = after
    reporter_id = principal.user_id if principal.role is Role.COURIER else None
    while True:
        rows = await outbox.read_after(
            position, limit=REPLAY_PAGE, jurisdiction_id=principal.jurisdiction_id, reporter_id=reporter_id
        )
        if not rows:
            return
        built = {item.cursor: item for item in await envelopes.build(rows, position)}
        for row in rows:
            yield built.get(row.id), row.id
        position = rows[-1].id
