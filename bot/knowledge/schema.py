"""Strict models of the knowledge files that office staff edit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9 .+()-]{3,20}$")]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$")]


class Strict(BaseModel):
    """Base for every knowledge model: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Sourced(Strict):
    """A fact with its source; `verified: false` makes the bot say it is not yet confirmed."""

    source: Text
    verified: bool


# Level of government under the two-tier model in force since 1 July 2025.
Level = Literal["xã", "tỉnh", "trung ương"]


class Agency(Sourced):
    name: ShortText
    level: Level


class Documents(Sourced):
    items: list[Text] = Field(min_length=1)
    note: Text | None = None


class ProcessingTime(Sourced):
    text: ShortText
    # The longest time in working days, when the law gives one; 0 means the same day.
    working_days: int | None = Field(default=None, ge=0, le=365)


class Fee(Strict):
    name: ShortText
    # Integer đồng. Omit only when the amount is not fixed (then `note` must say who sets it).
    amount: int | None = Field(default=None, ge=0, le=1_000_000_000)
    note: ShortText | None = None
    verified: bool | None = None  # overrides the section's flag for this one amount

    @model_validator(mode="after")
    def _amount_or_note(self) -> Fee:
        if self.amount is None and self.note is None:
            raise ValueError("thiếu số tiền (amount): ghi số đồng, hoặc ghi chú (note) ai quy định")
        return self


class Fees(Sourced):
    items: list[Fee] = Field(min_length=1)
    exemptions: list[Text] = Field(default_factory=list)
    note: Text | None = None


class Where(Sourced):
    text: Text
    offices: list[Id] = Field(default_factory=list)  # ids from offices.yaml


class Online(Sourced):
    available: bool
    url: Url | None = None
    note: Text | None = None


class LegalBasis(Sourced):
    items: list[Text] = Field(min_length=1)


class Procedure(Strict):
    """One administrative procedure, as a citizen needs it."""

    id: Id
    name: ShortText
    group: ShortText
    aliases: list[ShortText] = Field(default_factory=list)
    summary: Text | None = None
    agency: Agency
    documents: Documents
    processing_time: ProcessingTime
    fees: Fees
    where: Where
    online: Online
    legal_basis: LegalBasis


class Office(Strict):
    """A place where citizens submit files: the provincial service centre, a commune centre…"""

    id: Id
    name: ShortText
    addresses: list[ShortText] = Field(min_length=1)
    hotline: Phone | None = None
    hours: ShortText | None = None
    website: Url | None = None
    source: Text
    verified: bool


class FaqEntry(Strict):
    """A question citizens often ask that is no procedure ("sau sáp nhập có phải đổi giấy tờ
    không"), answered when a message has a phrase of `topic` and one of `ask`."""

    id: Id
    question: ShortText
    topic: list[ShortText] = Field(min_length=1)
    ask: list[ShortText] = Field(min_length=1)
    answer: Text
    source: Text
    verified: bool


class SynonymEntry(Strict):
    """Words citizens type (abbreviations, teen-code, slang) and the standard words they mean."""

    means: ShortText
    words: list[ShortText] = Field(min_length=1)


class CueSet(Strict):
    """Phrases that signal an intent or the part of a procedure that is asked about."""

    phrases: list[ShortText] = Field(min_length=1)


class Intents(Strict):
    """Cue phrases for intent and aspect detection, editable by maintainers."""

    greeting: CueSet
    help: CueSet
    human: CueSet
    complaint_strong: CueSet
    complaint_weak: CueSet
    question: CueSet
    request: CueSet
    about_bot: CueSet
    story: CueSet
    out_of_scope: CueSet
    # Opening hours, phone numbers, addresses of the offices: a phrase of each set, in a message
    # that reports nothing. Without them the bot does not tell such questions apart.
    office_info: CueSet | None = None
    office_place: CueSet | None = None
    aspects: dict[str, CueSet]

    @field_validator("aspects")
    @classmethod
    def _known_aspects(cls, v: dict[str, CueSet]) -> dict[str, CueSet]:
        unknown = sorted(set(v) - ASPECTS)
        if unknown:
            raise ValueError(
                f"khía cạnh không hợp lệ: {', '.join(unknown)} "
                f"(chỉ dùng: {', '.join(sorted(ASPECTS))})"
            )
        return v


class IntentExamples(Strict):
    """Example messages of each intent, written as citizens write; the intent model learns
    from them. Add a message the bot misread under the intent it should have had."""

    procedure: list[ShortText] = Field(min_length=1)
    complaint: list[ShortText] = Field(min_length=1)
    help: list[ShortText] = Field(min_length=1)
    none: list[ShortText] = Field(min_length=1)


ASPECTS = frozenset({"fee", "time", "documents", "where", "online", "legal"})
