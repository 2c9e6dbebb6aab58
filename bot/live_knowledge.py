"""Live reload of the knowledge: a maintainer's /reload switches to the folder's new content only
when it is valid (else keeps the last good one and says what is wrong), and publishes its
version so that every other instance switches too."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.complaints import official_for_user
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.problems import KnowledgeError, Problem
from bot.ports import Clock
from bot.services import Knowledge

log = logging.getLogger(__name__)


class VersionStore(Protocol):
    """Where instances agree on the knowledge version to run."""

    async def published(self) -> str | None: ...

    async def publish(self, version: str, by: str | None, now: datetime) -> None: ...


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: the version now in use, or the problems that kept the old one."""

    version: str
    procedures: int
    changed: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class LiveKnowledge:
    """The knowledge in use, and how it is replaced while the bot runs."""

    def __init__(
        self,
        current: Knowledge,
        load: Callable[[], KnowledgeBase],
        install: Callable[[Knowledge], None],
        versions: VersionStore,
        clock: Clock,
    ) -> None:
        self.current = current
        self._load = load
        self._install = install
        self._versions = versions
        self._clock = clock
        self._lock = asyncio.Lock()
        self._skip: str | None = None  # a published version this instance could not reach

    @property
    def kb(self) -> KnowledgeBase:
        return self.current.kb

    def maintainer_of(self, user_id: int) -> str | None:
        """The official id of a maintainer (officials.yaml, `maintainer: true`), else None."""
        official = official_for_user(user_id, self.kb.officials)
        return official if official and self.kb.officials[official].maintainer else None

    async def _read(self) -> Knowledge:
        # Parsing the files and building the index take a fraction of a second: off the loop.
        return await asyncio.to_thread(lambda: Knowledge.build(self._load()))

    async def reload(self, by: str | None) -> ReloadResult:
        """Check the folder; switch to it and publish its version when valid."""
        async with self._lock:
            try:
                fresh = await self._read()
            except KnowledgeError as exc:
                return ReloadResult(
                    self.kb.version, len(self.kb.procedures), problems=list(exc.problems)
                )
            changed = fresh.kb.version != self.kb.version
            if changed:
                self._switch(fresh)
            await self._versions.publish(fresh.kb.version, by, self._clock.now())
            return ReloadResult(fresh.kb.version, len(fresh.kb.procedures), changed=changed)

    async def follow(self) -> bool:
        """Switch when another instance published a version other than ours; True if switched.

        A published version this instance's folder does not give (files not yet copied here,
        or invalid) is logged once and retried only when the published version changes again.
        """
        published = await self._versions.published()
        if published is None or published in (self.kb.version, self._skip):
            return False
        async with self._lock:
            try:
                fresh = await self._read()
            except KnowledgeError as exc:
                log.warning("published knowledge %s: this folder is invalid: %s", published, exc)
                self._skip = published
                return False
            if fresh.kb.version != published:
                # Files not yet copied to this instance (or edited since): run only what a
                # maintainer checked and published.
                log.warning(
                    "published knowledge %s, this folder has %s", published, fresh.kb.version
                )
                self._skip = published
                return False
            self._switch(fresh)
            return True

    def _switch(self, fresh: Knowledge) -> None:
        log.info("knowledge %s → %s", self.kb.version, fresh.kb.version)
        self.current = fresh
        self._skip = None
        self._install(fresh)
