"""SQL storage of questions handed to staff; the same outbox and pending inputs as complaints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from bot.ports import ChatClaims
from bot.storage import chat_claims
from bot.storage.chat_claims import CLAIMS, CLAIMS_DIRECT, OPEN, claims_of
from bot.storage.complaint_repo import ComplaintStore, Outgoing, _outbox_row
from bot.storage.handoff_models import HandoffCase


class HandoffStore(ComplaintStore):
    """Adds handoffs to the complaint store: one engine, one outbox for every message."""

    async def open_handoff(
        self,
        case: HandoffCase,
        messages_for: Callable[[HandoffCase], Sequence[Outgoing]],
        now: datetime,
    ) -> HandoffCase:
        """Store a new handoff and the messages announcing it (built once its id is known), in
        one transaction: a question is never stored unannounced, nor announced unstored."""

        def q(s: Session) -> HandoffCase:
            s.add(case)
            s.flush()
            for m in messages_for(case):
                s.add(_outbox_row(m, None, now, handoff_id=case.id))
            return case

        return await self._run(q)

    async def handoff(self, handoff_id: int) -> HandoffCase | None:
        return await self._run(lambda s: s.get(HandoffCase, handoff_id))

    async def open_handoff_of(self, chat_id: int) -> HandoffCase | None:
        """The citizen's handoff still waiting or in conversation, if any."""

        def q(s: Session) -> HandoffCase | None:
            # Asked for every citizen message, and almost always "none": a bare id query on the
            # connection first, the ORM only when there is a case to load.
            open_case = (
                select(HandoffCase.id)
                .where(HandoffCase.citizen_chat_id == chat_id, col(HandoffCase.status).in_(OPEN))
                .order_by(col(HandoffCase.id).desc())
                .limit(1)
            )
            found = s.connection().execute(open_case).scalar()
            return s.get(HandoffCase, found) if found is not None else None

        return await self._run(q)

    async def chat_claims(self, chat_id: int) -> ChatClaims:
        """The chat's draft step and whether it has an open handoff, in one query."""

        ahead = chat_claims.take(chat_id)  # read with the chat's lock (PostgreSQL)
        if ahead is not None:
            return ahead

        direct = self._sqlite()
        if direct is not None:
            return claims_of(CLAIMS_DIRECT.first(direct, {"chat": chat_id}))

        def q(conn: Connection) -> ChatClaims:
            return claims_of(conn.execute(CLAIMS, {"chat": chat_id}).one())

        return await self._run_core(q, single_statement=True)

    async def open_handoffs(self) -> list[HandoffCase]:
        """Every open handoff, oldest first (the queue staff work through)."""

        def q(s: Session) -> list[HandoffCase]:
            stmt = (
                select(HandoffCase)
                .where(col(HandoffCase.status).in_(OPEN))
                .order_by(col(HandoffCase.id))
            )
            return list(s.exec(stmt))

        return await self._run(q)

    async def change_handoff(
        self,
        handoff_id: int,
        expected_version: int,
        values: dict[str, Any],
        messages: Sequence[Outgoing],
        now: datetime,
    ) -> bool:
        """Compare-and-set on the version: of two staff claiming at once, exactly one wins."""

        def q(s: Session) -> bool:
            result = s.exec(
                update(HandoffCase)
                .where(
                    col(HandoffCase.id) == handoff_id,
                    col(HandoffCase.version) == expected_version,
                )
                .values(**values, version=expected_version + 1)
            )
            if result.rowcount != 1:
                return False
            for m in messages:
                s.add(_outbox_row(m, None, now, handoff_id=handoff_id))
            return True

        return await self._run(q)

    async def expect_handoff_input(
        self, user_id: int, chat_id: int, handoff_id: int, action: str, now: datetime
    ) -> None:
        await self.expect_input(user_id, chat_id, None, action, None, now, handoff_id=handoff_id)
