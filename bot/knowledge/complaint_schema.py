"""Strict models of the complaint knowledge: communes, officials, routing, deadlines, calendar."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from bot.knowledge.schema import Id, Phone, ShortText, Sourced, Strict, Text

ComplaintType = Literal["phan-anh", "khieu-nai", "to-cao"]
COMPLAINT_TYPES: tuple[ComplaintType, ...] = ("phan-anh", "khieu-nai", "to-cao")


class Commune(Sourced):
    """A commune-level unit (xã or phường) of the province, as fixed on 1 July 2025."""

    id: Id
    name: ShortText
    kind: Literal["xã", "phường"]
    # Former units merged into it, which citizens may still type ("Mỹ Tho", "Tân Hiệp"…).
    former: list[ShortText] = Field(default_factory=list)


class Official(Strict):
    """A named official who handles complaints, and where the bot reaches them."""

    id: Id
    full_name: ShortText
    title: ShortText
    office: ShortText
    # Telegram user id of the person: only this account may act as this official.
    telegram_id: int | None = None
    # Where notifications go (a private chat or an officials' group); defaults to telegram_id.
    chat_id: int | None = None
    supervisor: Id | None = None
    phone: Phone | None = None  # public phone, shown to citizens
    maintainer: bool = False  # may use maintainers' commands (/reload …)
    source: Text
    verified: bool


class Category(Strict):
    """A kind of problem a citizen reports, and the complaint types it applies to."""

    id: Id
    name: ShortText
    types: list[ComplaintType] = Field(min_length=1)
    hint: ShortText | None = None  # examples shown under the button


class Route(Strict):
    """Category (in a commune, or anywhere when `commune` is omitted) → the official in charge."""

    category: Id
    commune: Id | None = None
    official: Id


class Routing(Strict):
    """Categories and routing rules; every category needs a rule without a commune."""

    categories: list[Category] = Field(min_length=1)
    rules: list[Route] = Field(min_length=1)
    # Receives a case when no rule applies or the rule's official is the one reported.
    default_official: Id
    # The officials' group told about failed deliveries and unexpected errors (optional).
    operators_chat_id: int | None = None


class TimeLimit(Sourced):
    """A legal time limit: so many days (working or calendar) from an event."""

    days: int = Field(ge=0, le=365)
    unit: Literal["working", "calendar"]
    basis: Text  # the article of law (or the policy) that sets it


class TypeRules(Strict):
    """How one complaint type is handled: what the law requires and allows."""

    name: ShortText
    description: Text
    requires_identity: bool  # name and phone are required (khiếu nại, tố cáo)
    acknowledge: TimeLimit
    resolve: TimeLimit  # counted from acknowledgement
    max_extension: TimeLimit  # the most a resolve deadline may be extended, in total


class Deadlines(Strict):
    """Legal time limits per type, and the bot's own escalation policy."""

    types: dict[ComplaintType, TypeRules]
    remind_before: TimeLimit  # remind the official this long before a deadline
    escalation_grace: TimeLimit  # new deadline given to the supervisor after an escalation

    def rules(self, kind: str | None) -> TypeRules:
        """The rules of a type as drafts and cases store it (plain text); KeyError if the type
        is unknown or not chosen yet."""
        return self.types[kind]  # type: ignore[index]

    @model_validator(mode="after")
    def _all_types(self) -> Deadlines:
        missing = [t for t in COMPLAINT_TYPES if t not in self.types]
        if missing:
            raise ValueError(f"thiếu thời hạn cho loại: {', '.join(missing)}")
        return self


class CalendarDay(Sourced):
    date: date
    name: ShortText


class Calendar(Strict):
    """Days that differ from the national holiday calendar: extra days off, working Saturdays."""

    days_off: list[CalendarDay] = Field(default_factory=list)
    working_days: list[CalendarDay] = Field(default_factory=list)
