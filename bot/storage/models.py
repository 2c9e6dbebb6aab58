"""Database tables (SQLModel). Alembic migrations in `migrations/` own the schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class ChatContext(SQLModel, table=True):
    """What a chat last talked about, so that "còn lệ phí?" refers to it (shared by instances)."""

    __tablename__ = "chat_context"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    last_procedure_id: str | None = Field(default=None, max_length=40)
    updated_at: datetime


class QuestionLog(SQLModel, table=True):
    """A citizen's question and how the bot answered, for maintainers to find knowledge gaps.

    The chat id is kept only when the citizen asked for the question to reach staff.
    """

    __tablename__ = "question_log"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(index=True)
    text: str = Field(max_length=1000)
    intent: str = Field(max_length=16)
    aspect: str = Field(max_length=16)
    outcome: str = Field(max_length=16, index=True)  # answered | suggested | unanswered | other
    best_procedure_id: str | None = Field(default=None, max_length=40)
    best_score: float | None = None
    # Random token carried by the "send to staff" button: a forged or foreign press cannot match.
    forward_token: str | None = Field(default=None, max_length=16)
    asker_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    forwarded_at: datetime | None = None
