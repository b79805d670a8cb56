"""What the sole SQLite worker has sent but not yet written down.

Recording an outcome needs SQLite's single write lock, which API writes hold most of the time
under load; waiting for it before looking for the next event would put that wait between every
change and its notification. So outcomes are recorded by a separate task, in batches, and until
then this ledger says what the next look for work must treat as done (sent rows: their queues
move on) or as holding its queue (a failed row: nothing behind it goes until its retry is
scheduled). A crash before the record only means those rows are sent again (at least once).
"""

from __future__ import annotations

from gateway.delivery.outbox import Claimed

# (row, error or None, result: sent | failed | obsolete (nothing left to send) | skipped (not tried))
Outcome = tuple[Claimed, str | None, str]


class Ledger:
    """Outcomes not yet recorded, by outbox row. Used from the event loop only."""

    def __init__(self) -> None:
        self._rows: dict[int, Outcome] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, outcomes: list[Outcome]) -> None:
        # A skipped row was not attempted and holds no lease: there is nothing to record.
        self._rows.update((o[0].seq, o) for o in outcomes if o[2] != "skipped")

    def settled(self) -> list[int]:
        """Rows done with (sent, or nothing left to send) that are still pending in the database."""
        return sorted(seq for seq, (_, error, _result) in self._rows.items() if error is None)

    def held_queues(self) -> set[str]:
        """Queues whose head failed and whose retry is not yet scheduled in the database."""
        return {row.queue for row, error, _result in self._rows.values() if error is not None}

    def batch(self) -> list[Outcome]:
        return list(self._rows.values())

    def recorded(self, batch: list[Outcome]) -> None:
        for row, _error, _result in batch:
            self._rows.pop(row.seq, None)
