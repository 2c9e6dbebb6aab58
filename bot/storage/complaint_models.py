"""Tables of the complaint workflow: drafts, cases, the audit trail, the outbox, pending inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def empty_list() -> list[Any]:
    """A default factory pydantic reads cheaply: for the builtin `list` it parses the
    signature text on every new row (about 60 µs; a draft is built for every complaint step)."""
    return []


class ComplaintDraft(SQLModel, table=True):
    """A complaint being written, saved at every step so any instance can continue it."""

    __tablename__ = "complaint_draft"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    step: str = Field(max_length=24)
    type: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=40)
    commune_id: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=4000)
    photos: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    latitude: float | None = None
    longitude: float | None = None
    full_name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=20)
    anonymous: bool = False
    accused: str | None = Field(default=None, max_length=300)
    updated_at: datetime


class Complaint(SQLModel, table=True):
    """A filed case. Personal fields are shown only to the citizen and the chain of officials."""

    __tablename__ = "complaint"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    type: str = Field(max_length=16)
    category: str = Field(max_length=40)
    commune_id: str | None = Field(default=None, max_length=40)
    description: str = Field(max_length=4000)
    photos: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    latitude: float | None = None
    longitude: float | None = None
    citizen_chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    full_name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=20)
    anonymous: bool = False
    accused: str | None = Field(default=None, max_length=300)
    accused_official_id: str | None = Field(default=None, max_length=40)
    assigned_official_id: str = Field(max_length=40, index=True)
    status: str = Field(max_length=16, index=True)
    received_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    ack_due: datetime
    resolve_due: datetime
    extended_days: int = 0
    escalation_level: int = 0
    delay_reason: str | None = Field(default=None, max_length=1000)
    result: str | None = Field(default=None, max_length=4000)
    rating: int | None = None
    version: int = 0  # bumped by every change; guards against two officials acting at once


class CaseEvent(SQLModel, table=True):
    """The audit trail: who did what to a case, and when. `key` makes sweeps idempotent."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("key", name="uq_case_event_key"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    at: datetime
    actor: str = Field(max_length=60)  # "citizen", "system" or an official's id
    action: str = Field(max_length=32)
    detail: str | None = Field(default=None, max_length=4000)
    key: str | None = Field(default=None, max_length=120)


class OutboxMessage(SQLModel, table=True):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        Index("ix_outbox_due", "status", "not_before"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    text: str = Field(max_length=4096)
    photo: str | None = Field(default=None, max_length=200)  # Telegram file id; text = caption
    buttons: list[list[list[str]]] | None = Field(default=None, sa_column=Column(JSON))
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    handoff_id: int | None = Field(default=None, foreign_key="handoff.id")
    official_id: str | None = Field(default=None, max_length=40)  # recipient, if an official
    purpose: str = Field(max_length=32)
    key: str | None = Field(default=None, max_length=160)
    status: str = Field(default="pending", max_length=12)  # pending | sent | failed
    attempts: int = 0
    not_before: datetime
    claimed_by: str | None = Field(default=None, max_length=40)
    claimed_until: datetime | None = None
    created_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)


class PendingInput(SQLModel, table=True):
    """An official's next text message is the answer, reason or result of an action."""

    __tablename__ = "pending_input"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    handoff_id: int | None = Field(default=None, foreign_key="handoff.id")
    action: str = Field(max_length=24)
    argument: str | None = Field(default=None, max_length=60)
    created_at: datetime
