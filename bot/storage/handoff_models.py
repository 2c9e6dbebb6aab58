"""Questions handed to a person: who asked, what the bot understood, who took it, the answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from bot.storage.complaint_models import empty_list


class HandoffCase(SQLModel, table=True):
    """A citizen's question waiting for, or in conversation with, a staff member."""

    __tablename__ = "handoff"

    id: int | None = Field(default=None, primary_key=True)
    citizen_chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    citizen_name: str = Field(max_length=120)  # Telegram first name only: never the phone
    question: str = Field(max_length=4000)
    understood: str = Field(max_length=1000)  # what the bot made of it, for the staff member
    status: str = Field(max_length=12, index=True)  # waiting | claimed | closed
    created_at: datetime
    last_activity_at: datetime
    claimed_by: str | None = Field(default=None, max_length=40)  # official id
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=40)
    reminded: int = 0  # reminders sent to the group while it waited
    answers: list[dict[str, Any]] = Field(default_factory=empty_list, sa_column=Column(JSON))
    version: int = 0
