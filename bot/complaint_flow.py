"""The citizen's filing flow: a step machine over a draft saved in the database at every step.

Steps (diagram: bot/complaint_states.md):
type → category → commune → description → attachments → name → phone → accused → confirm.
Steps a type does not need are skipped (phản ánh may be anonymous; only tố cáo asks who is
reported). Any instance can take the next message: the draft row is the only state.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html import escape

from bot import complaint_texts as t
from bot.communes import CommuneFinder
from bot.knowledge.base import KnowledgeBase
from bot.ports import Clock
from bot.storage.complaint_models import ComplaintDraft
from bot.storage.complaint_repo import ComplaintStore
from bot.text_vi import clean

STEPS = (
    "type",
    "category",
    "commune",
    "description",
    "attachments",
    "name",
    "phone",
    "accused",
    "confirm",
)
MAX_PHOTOS = 5
MAX_DESCRIPTION = 3000
MAX_ACCUSED = 300  # complaint_draft.accused and complaint.accused hold 300 characters
_PHONE = re.compile(r"^\+?[0-9][0-9 .-]{7,14}[0-9]$")
SEP = "|"

Buttons = list[list[tuple[str, str]]]


@dataclass
class Prompt:
    """What to show the citizen next, independent of Telegram."""

    text: str
    buttons: Buttons = field(default_factory=list)
    ask_contact: bool = False
    ask_location: bool = False
    done: bool = False  # the flow ended (filed or cancelled): restore the main menu


def data(step: str, value: str) -> str:
    """Callback data of a flow button: it names its step, so a stale press is recognised."""
    return SEP.join(("c", step, value))


def _nav(step: str, *, back: bool = True) -> list[tuple[str, str]]:
    row = [(t.BACK, data(step, "back"))] if back else []
    return [*row, (t.CANCEL, data(step, "cancel"))]


class ComplaintFlow:
    """Asks only what the chosen type needs; every answer is saved before the next question."""

    def __init__(
        self,
        kb: KnowledgeBase,
        store: ComplaintStore,
        clock: Clock,
        limit: Callable[[int], Awaitable[str | None]] | None = None,
    ) -> None:
        self.kb = kb
        self.store = store
        self.clock = clock
        # The daily limit is CaseService's rule (`refusal_for_limit`), checked again on "Gửi".
        self.limit = limit
        self.communes = CommuneFinder(kb)

    # -- entry ---------------------------------------------------------------------------------

    async def start(self, chat_id: int, user_id: int, description: str | None = None) -> Prompt:
        """Begin (or restart) a draft; a message classed as a complaint becomes its text.
        A chat that has filed its daily number of cases is told when it may file again."""
        refusal = await self.limit(chat_id) if self.limit is not None else None
        if refusal is not None:
            return Prompt(refusal, done=True)
        draft = ComplaintDraft(
            chat_id=chat_id,
            user_id=user_id,
            step="type",
            description=clean(description)[:MAX_DESCRIPTION] if description else None,
            updated_at=self.clock.now(),
        )
        await self.store.save_draft(draft)
        prompt = self.prompt(draft)
        if description:
            prompt.text = t.START_FROM_MESSAGE + "\n\n" + prompt.text
        return prompt

    async def active(self, chat_id: int) -> ComplaintDraft | None:
        return await self.store.draft(chat_id)

    # -- what to ask ---------------------------------------------------------------------------

    def needed(self, draft: ComplaintDraft, step: str) -> bool:
        if step in ("name", "phone"):
            if draft.anonymous:
                return False
            if step == "phone" and draft.type == "phan-anh" and not draft.full_name:
                return False
        if step == "accused":
            return draft.type == "to-cao"
        return True

    def _move(self, draft: ComplaintDraft, direction: int) -> str:
        i = STEPS.index(draft.step) + direction
        while 0 <= i < len(STEPS) and not self.needed(draft, STEPS[i]):
            i += direction
        return STEPS[max(0, min(i, len(STEPS) - 1))]

    def prompt(self, draft: ComplaintDraft) -> Prompt:
        step = draft.step
        if step == "type":
            rows = [
                [(t.TYPE_LABELS[k], data("type", k))] for k in ("phan-anh", "khieu-nai", "to-cao")
            ]
            return Prompt(t.ASK_TYPE, [*rows, _nav(step, back=False)])
        if step == "category":
            rows = [
                [(c.name, data("category", c.id))]
                for c in self.kb.routing.categories
                if draft.type in c.types
            ]
            return Prompt(t.ASK_CATEGORY, [*rows, _nav(step)])
        if step == "commune":
            return Prompt(t.ASK_COMMUNE, [[(t.SKIP, data(step, "skip"))], _nav(step)])
        if step == "description":
            if draft.description:
                text = t.ASK_DESCRIPTION_KEEP.format(text=escape(draft.description[:500]))
                return Prompt(text, [[(t.KEEP_TEXT, data(step, "keep"))], _nav(step)])
            return Prompt(t.ASK_DESCRIPTION, [_nav(step)])
        if step == "attachments":
            label = t.DONE_ATTACHING if draft.photos or draft.latitude is not None else t.SKIP
            text = t.ASK_ATTACHMENTS.format(max_photos=MAX_PHOTOS)
            return Prompt(text, [[(label, data(step, "done"))], _nav(step)], ask_location=True)
        if step == "name":
            type_rules = self.kb.deadlines.rules(draft.type)
            if type_rules.requires_identity:
                text = t.ASK_NAME_REQUIRED.format(type_name=type_rules.name.lower())
                return Prompt(text, [_nav(step)])
            return Prompt(t.ASK_NAME_OPTIONAL, [[(t.ANONYMOUS, data(step, "anon"))], _nav(step)])
        if step == "phone":
            return Prompt(t.ASK_PHONE, [_nav(step)], ask_contact=True)
        if step == "accused":
            return Prompt(t.ASK_ACCUSED, [[(t.SKIP, data(step, "skip"))], _nav(step)])
        return Prompt(self.summary(draft), [[(t.SEND, data(step, "send"))], _nav(step)])

    def summary(self, draft: ComplaintDraft) -> str:
        kb = self.kb
        category = next((c.name for c in kb.routing.categories if c.id == draft.category), "—")
        place = kb.communes.get(draft.commune_id or "")
        commune = place.name if place else "—"
        sender = "Ẩn danh" if draft.anonymous or not draft.full_name else draft.full_name
        if draft.phone and not draft.anonymous:
            sender += f" – {draft.phone}"
        accused = t.SUMMARY_ACCUSED.format(accused=escape(draft.accused)) if draft.accused else ""
        return t.SUMMARY.format(
            type_name=kb.deadlines.rules(draft.type).name,
            category=escape(category),
            commune=escape(commune),
            description=escape((draft.description or "")[:1500]),
            photos=len(draft.photos),
            location="có" if draft.latitude is not None else "không",
            sender=escape(sender),
            accused=accused,
        )

    # -- answers -------------------------------------------------------------------------------

    async def _advance(self, draft: ComplaintDraft, direction: int = 1) -> Prompt:
        draft.step = self._move(draft, direction)
        draft.updated_at = self.clock.now()
        await self.store.save_draft(draft)
        return self.prompt(draft)

    async def press(self, draft: ComplaintDraft, step: str, value: str) -> Prompt | None:
        """A flow button; None when it is stale or forged (nothing changes)."""
        if step != draft.step:
            return None
        if value == "cancel":
            await self.store.drop_draft(draft.chat_id)
            return Prompt(t.CANCELLED, done=True)
        if value == "back":
            return await self._advance(draft, -1)
        if step == "type" and value in self.kb.deadlines.types:
            draft.type, draft.category = value, None
            return await self._advance(draft)
        if step == "category":
            allowed = {c.id for c in self.kb.routing.categories if draft.type in c.types}
            if value not in allowed:
                return None
            draft.category = value
            return await self._advance(draft)
        if step == "commune" and (value == "skip" or value in self.kb.communes):
            draft.commune_id = None if value == "skip" else value
            return await self._advance(draft)
        if step == "description" and value == "keep" and draft.description:
            return await self._advance(draft)
        if step == "attachments" and value == "done":
            return await self._advance(draft)
        if step == "name" and value == "anon":
            if self.kb.deadlines.rules(draft.type).requires_identity:
                return None
            draft.anonymous, draft.full_name, draft.phone = True, None, None
            return await self._advance(draft)
        if step == "accused" and value == "skip":
            draft.accused = None
            return await self._advance(draft)
        return None  # "send" is handled by the case service; anything else is forged

    async def text(self, draft: ComplaintDraft, text: str) -> Prompt:
        """A typed answer to the current step."""
        text = clean(text)
        step = draft.step
        if step == "commune":
            return await self._commune(draft, text)
        if step == "description":
            if len(text) < 5:
                return Prompt(t.DESCRIPTION_TOO_SHORT, self.prompt(draft).buttons)
            if len(text) > MAX_DESCRIPTION:
                msg = t.DESCRIPTION_TOO_LONG.format(length=len(text), limit=MAX_DESCRIPTION)
                return Prompt(msg, self.prompt(draft).buttons)
            draft.description = text
            return await self._advance(draft)
        if step == "name":
            if not 2 <= len(text) <= 80 or not any(ch.isalpha() for ch in text):
                return Prompt(t.NAME_INVALID, self.prompt(draft).buttons)
            draft.full_name, draft.anonymous = text, False
            return await self._advance(draft)
        if step == "phone":
            return await self.phone(draft, text)
        if step == "accused":
            if len(text) > MAX_ACCUSED:
                msg = t.ACCUSED_TOO_LONG.format(limit=MAX_ACCUSED, length=len(text))
                return Prompt(msg, self.prompt(draft).buttons)
            draft.accused = text
            return await self._advance(draft)
        prompt = self.prompt(draft)  # a step answered by buttons: ask again
        return prompt

    async def phone(self, draft: ComplaintDraft, phone: str) -> Prompt:
        phone = phone.strip()
        if draft.step != "phone" or not _PHONE.match(phone):
            return Prompt(t.PHONE_INVALID, self.prompt(draft).buttons, ask_contact=True)
        draft.phone = re.sub(r"[ .-]", "", phone)
        return await self._advance(draft)

    async def photo(
        self, draft: ComplaintDraft, file_id: str, caption: str | None = None
    ) -> Prompt:
        """A photo for the case; its caption, if any, is added to the description while the
        description stays within its limit (otherwise the citizen is told it was not kept)."""
        if draft.step != "attachments":
            return Prompt(t.STALE_STEP)
        if len(draft.photos) >= MAX_PHOTOS:
            return Prompt(t.PHOTO_LIMIT.format(max_photos=MAX_PHOTOS), self.prompt(draft).buttons)
        draft.photos = [*draft.photos, file_id]
        text = t.PHOTO_ADDED.format(count=len(draft.photos), max_photos=MAX_PHOTOS)
        note = clean(caption or "").strip()
        if note:
            described = f"{draft.description or ''}\n({t.PHOTO_LABEL} {len(draft.photos)}) {note}"
            if len(described) <= MAX_DESCRIPTION:
                draft.description = described.strip()
                text += t.CAPTION_KEPT
            else:
                room = max(0, MAX_DESCRIPTION - len(draft.description or ""))
                text += t.CAPTION_TOO_LONG.format(length=len(note), room=room)
        await self.store.save_draft(draft)
        return Prompt(text, self.prompt(draft).buttons, ask_location=True)

    async def location(self, draft: ComplaintDraft, latitude: float, longitude: float) -> Prompt:
        if draft.step != "attachments":
            return Prompt(t.STALE_STEP)
        draft.latitude, draft.longitude = latitude, longitude
        await self.store.save_draft(draft)
        return Prompt(t.LOCATION_ADDED, self.prompt(draft).buttons, ask_location=True)

    async def _commune(self, draft: ComplaintDraft, typed: str) -> Prompt:
        found = self.communes.find(typed)
        if len(found) == 1:
            draft.commune_id = found[0]
            return await self._advance(draft)
        if not found:
            msg = t.COMMUNE_UNKNOWN.format(typed=escape(typed[:60]))
            return Prompt(msg, self.prompt(draft).buttons)
        rows = [[(self.kb.communes[c].name, data("commune", c))] for c in found]
        return Prompt(t.COMMUNE_CHOICES, [*rows, *self.prompt(draft).buttons])
