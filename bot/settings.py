"""All settings, read from the environment and `.env`; nothing is built at import time."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILES = "https://api.telegram.org/file/bot"


class Settings(BaseSettings):
    """One place for configuration; see `.env.example` for what each setting means."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_API
    telegram_api_file_url: str = TELEGRAM_FILES
    database_url: str = "sqlite:///data/bot.sqlite"
    knowledge_dir: Path = Path("knowledge")
    log_level: str = "INFO"
    # Seconds a chat's "last procedure" stays the subject of follow-ups such as "còn lệ phí?".
    followup_seconds: int = Field(default=1800, ge=0)
    # How often the outbox is delivered and deadlines are swept, in seconds.
    outbox_interval_seconds: float = Field(default=2.0, gt=0)
    sweep_interval_seconds: float = Field(default=60.0, gt=0)
    # How often each instance checks whether a maintainer's /reload published new knowledge.
    knowledge_check_seconds: float = Field(default=30.0, gt=0)
    # How often each instance checks whether the weekly report is due (knowledge/reports.yaml).
    report_check_interval_seconds: float = Field(default=300.0, gt=0)
    # How long an instance's claim on a queued message lasts (renewed before each send): after a
    # crash, another instance sends what the dead one had claimed once this has passed.
    outbox_lease_seconds: int = Field(default=60, ge=5)
    # Messages per second the bot sends across all chats (Telegram's limit is about 30; 0 = no
    # limit, only for a local Bot API server or a test fake that has none).
    telegram_max_rate: float = Field(default=30.0, ge=0)
    # Telegram chat id of the operators' group that is told about errors (optional).
    operators_chat_id: int | None = None
    # Flood limits: updates a user may send per minute (counted per instance), and complaints
    # a chat may file per 24 hours (counted in the database, so across instances).
    messages_per_minute: int = Field(default=30, ge=1)
    complaints_per_day: int = Field(default=3, ge=1)
    # Days after a case is resolved (or a question to staff closed) that the citizen's personal
    # data is kept; `python -m bot purge` blanks it after that.
    personal_data_retention_days: int = Field(default=365, ge=1)
    # Webhook mode (`python -m bot run --webhook`): the public HTTPS address Telegram posts
    # updates to, where this process listens (behind a reverse proxy), and the secret every
    # request must carry in X-Telegram-Bot-Api-Secret-Token.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None

    @field_validator("telegram_bot_token", "webhook_secret", "webhook_url", mode="before")
    @classmethod
    def _blank_token_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, v: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 of these characters; fewer than 16 would be guessable.
        if v is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", v.get_secret_value()):
            raise ValueError("cần 16-256 ký tự, chỉ gồm A-Z a-z 0-9 _ -")
        return v

    @field_validator("telegram_api_base_url", "telegram_api_file_url")
    @classmethod
    def _strip_slash(cls, v: str) -> str:
        return v.rstrip("/")

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None
