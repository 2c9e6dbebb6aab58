"""Queries for statistics and export: cases as plain facts, cases with their history by pages,
and the weekly report queued once whatever the number of instances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as select_columns
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.statistics import CaseFacts, responsible_official
from bot.storage.complaint_models import CaseEvent, Complaint
from bot.storage.complaint_repo import Outgoing, _outbox_row
from bot.storage.repositories import SqlStore

# The audit events statistics read; the rest (answers, results…) is not needed for counting.
_COUNTED = ("filed", "transferred", "escalated", "apology")
_DETAIL_PREFIX = 80  # an official's id and a little more: enough to read who, never the text
_FACT_COLUMNS = (
    Complaint.id,
    Complaint.code,
    Complaint.type,
    Complaint.category,
    Complaint.commune_id,
    Complaint.assigned_official_id,
    Complaint.status,
    Complaint.received_at,
    Complaint.ack_due,
    Complaint.resolve_due,
    Complaint.acknowledged_at,
    Complaint.resolved_at,
    Complaint.rating,
)


@dataclass(frozen=True)
class CaseHistory:
    """A case as stored, its whole audit trail, and its facts for statistics (for exports)."""

    case: Complaint
    events: list[CaseEvent]
    facts: CaseFacts


class StatsStore(SqlStore):
    """Read-mostly queries over the complaint tables, for leaders and maintainers."""

    bulk = True

    async def case_facts(
        self,
        known_officials: Iterable[str],
        since: datetime | None = None,
        active_since: datetime | None = None,
    ) -> list[CaseFacts]:
        """The cases received since `since` (all when None) as statistics need them.

        With `active_since`, only the cases that moved since then: received or resolved
        since, or still open. A trend over recent weeks needs no more, and a year of cases
        is read several times faster."""
        known = frozenset(known_officials)
        conditions = []
        if since is not None:
            conditions.append(col(Complaint.received_at) >= since)
        if active_since is not None:
            conditions.append(
                or_(
                    col(Complaint.received_at) >= active_since,
                    col(Complaint.resolved_at) >= active_since,
                    col(Complaint.status) != "resolved",
                )
            )

        def q(s: Session) -> list[CaseFacts]:
            # SQLAlchemy's own select: sqlmodel's is typed for at most four columns.
            cases = select_columns(*(col(x) for x in _FACT_COLUMNS))
            events = (
                select(
                    CaseEvent.complaint_id,
                    CaseEvent.action,
                    func.substr(CaseEvent.detail, 1, _DETAIL_PREFIX),
                )
                .join(Complaint, col(Complaint.id) == col(CaseEvent.complaint_id))
                .where(col(CaseEvent.action).in_(_COUNTED))
                .order_by(col(CaseEvent.id))
            )
            if conditions:
                cases = cases.where(*conditions)
                events = events.where(*conditions)
            trail: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
            for complaint_id, action, detail in s.exec(events):
                trail[complaint_id].append((action, detail))
            rows = s.execute(cases)
            return [_facts(row._asdict(), trail[row.id], known) for row in rows]

        return await self._run(q)

    async def count_cases(self, since: datetime | None = None) -> int:
        def q(s: Session) -> int:
            stmt = select(func.count()).select_from(Complaint)
            if since is not None:
                stmt = stmt.where(col(Complaint.received_at) >= since)
            return int(s.exec(stmt).one())

        return await self._run(q)

    async def cases_page(
        self, known_officials: Iterable[str], since: datetime | None, after_id: int, limit: int
    ) -> list[CaseHistory]:
        """Up to `limit` cases with an id above `after_id`, in id order, each with its whole
        audit trail: an export walks the table page by page without holding it in memory."""

        known = frozenset(known_officials)

        def q(s: Session) -> list[CaseHistory]:
            stmt = select(Complaint).where(col(Complaint.id) > after_id)
            if since is not None:
                stmt = stmt.where(col(Complaint.received_at) >= since)
            cases = list(s.exec(stmt.order_by(col(Complaint.id)).limit(limit)))
            ids = [x.id for x in cases]
            trail: dict[int, list[CaseEvent]] = defaultdict(list)
            if ids:
                rows = s.exec(
                    select(CaseEvent)
                    .where(col(CaseEvent.complaint_id).in_(ids))
                    .order_by(col(CaseEvent.id))
                )
                for event in rows:
                    trail[event.complaint_id].append(event)
            return [
                CaseHistory(
                    x,
                    trail[x.id or 0],
                    _facts(
                        x.model_dump(),
                        [(e.action, (e.detail or "")[:_DETAIL_PREFIX]) for e in trail[x.id or 0]],
                        known,
                    ),
                )
                for x in cases
            ]

        return await self._run(q)

    async def queue_once(self, message: Outgoing, now: datetime) -> bool:
        """Queue a keyed message unless a message with its key was ever queued; True if this
        call queued it. Two instances racing: the unique key lets exactly one insert win."""
        assert message.key is not None

        def q(s: Session) -> None:
            s.add(_outbox_row(message, None, now))

        try:
            await self._run(q)
        except IntegrityError:
            return False
        return True


def _facts(
    values: Mapping[str, Any], trail: list[tuple[str, str | None]], known: frozenset[str]
) -> CaseFacts:
    """A case's facts from its columns (by name) and its counted audit events, in order."""
    filed = next((d for a, d in trail if a == "filed"), None)
    transfers = [d or "" for a, d in trail if a == "transferred"]
    return CaseFacts(
        code=values["code"],
        type=values["type"],
        category=values["category"],
        commune_id=values["commune_id"],
        official_id=responsible_official(values["assigned_official_id"], filed, transfers, known),
        status=values["status"],
        received_at=values["received_at"],
        ack_due=values["ack_due"],
        resolve_due=values["resolve_due"],
        acknowledged_at=values["acknowledged_at"],
        resolved_at=values["resolved_at"],
        rating=values["rating"],
        escalated=any(a == "escalated" for a, _ in trail),
        apologies=sum(a == "apology" for a, _ in trail),
    )
