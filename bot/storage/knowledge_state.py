"""The knowledge version every instance should run, shared through the database so that one
maintainer's /reload reaches all instances."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel

from bot.storage.repositories import SqlStore

CURRENT = "current"


class KnowledgeState(SQLModel, table=True):
    """One row: the version (content fingerprint) last published by a maintainer's /reload."""

    __tablename__ = "knowledge_state"

    name: str = Field(primary_key=True, max_length=16)
    version: str = Field(max_length=64)
    changed_at: datetime
    changed_by: str | None = Field(default=None, max_length=40)  # official id


class KnowledgeVersions(SqlStore):
    """Reads and publishes the shared knowledge version."""

    async def published(self) -> str | None:
        def q(s: Session) -> str | None:
            row = s.get(KnowledgeState, CURRENT)
            return row.version if row else None

        return await self._run(q)

    async def publish(self, version: str, by: str | None, now: datetime) -> None:
        def q(s: Session) -> None:
            row = s.get(KnowledgeState, CURRENT) or KnowledgeState(
                name=CURRENT, version=version, changed_at=now
            )
            row.version, row.changed_at, row.changed_by = version, now, by
            s.add(row)

        await self._run(q)
