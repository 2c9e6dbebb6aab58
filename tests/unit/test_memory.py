"""A running bot freezes its long-lived objects; replacing the knowledge must not leak the old."""

from __future__ import annotations

import gc
import weakref

from bot import memory


class Node:
    """Stands for a piece of a knowledge index that refers back to itself (a cycle)."""

    def __init__(self) -> None:
        self.me = self


def test_settle_after_a_reload_frees_what_the_frozen_start_held():
    try:
        memory.settle_if_frozen()  # tests and tools never froze: nothing happens
        assert gc.get_freeze_count() == 0
        old_index = Node()
        gone = weakref.ref(old_index)
        memory.settle()  # the server started: the index is frozen
        assert gc.get_freeze_count() > 0
        del old_index  # a /reload replaced it; a cycle, so reference counting cannot free it
        gc.collect()
        assert gone() is not None  # frozen objects are out of the collector's sight…
        memory.settle_if_frozen()
        assert gone() is None  # …until the reload settles memory again
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
