"""Citizens' personal data: erasing one's own on request (/xoadulieu), purging expired data.

A citizen may erase their data once no open case or question to staff needs it (the official
must still be able to reach them). After PERSONAL_DATA_RETENTION_DAYS, `python -m bot purge`
blanks the personal data of closed cases, keeping each case's statistics and audit trail.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from bot import texts
from bot.casework import Outcome
from bot.ports import Clock
from bot.storage.privacy_repo import Erased, PrivacyStore

SEP = "|"


class PrivacyDesk:
    """The erasure and purge use cases; knows nothing of Telegram."""

    def __init__(self, store: PrivacyStore, clock: Clock, retention_days: int) -> None:
        self.store = store
        self.clock = clock
        self.retention = timedelta(days=retention_days)

    async def _needed(self, chat_id: int) -> str | None:
        """Why the chat's data cannot go yet, or None."""
        codes, handoff = await self.store.open_codes(chat_id)
        if codes:
            listed = ", ".join(f"<code>{escape(c)}</code>" for c in codes)
            return texts.ERASE_REFUSED_CASES.format(codes=listed)
        return texts.ERASE_REFUSED_HANDOFF if handoff else None

    async def ask(self, chat_id: int) -> Outcome:
        """/xoadulieu: explain and ask for confirmation, or say what still needs the data."""
        refused = await self._needed(chat_id)
        if refused is not None:
            return Outcome(refused)
        buttons = [
            [(texts.BTN_ERASE, SEP.join(("x", "yes"))), (texts.BTN_KEEP, SEP.join(("x", "no")))]
        ]
        return Outcome(texts.ERASE_CONFIRM, buttons=buttons)

    async def press(self, chat_id: int, value: str) -> Outcome:
        """The confirmation button: erase (checked again: a case may have been filed since)."""
        if value != "yes":
            return Outcome(texts.ERASE_KEPT)
        refused = await self._needed(chat_id)
        if refused is not None:
            return Outcome(refused)
        erased = await self.store.erase_chat(chat_id)
        return Outcome(texts.ERASE_DONE, changed=erased.total > 0)

    async def purge(self) -> Erased:
        """Blank personal data kept longer than the retention period."""
        return await self.store.purge(self.clock.now() - self.retention)
