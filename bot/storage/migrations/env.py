"""Alembic environment: runs migrations on the engine the bot hands over (no ini file needed)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from bot.storage import (  # noqa: F401  (the tables)
    complaint_models,
    handoff_models,
    knowledge_state,
    models,
    update_inbox,
)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=engine.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
