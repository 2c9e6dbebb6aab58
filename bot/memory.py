"""Keep the garbage collector off the objects a running bot holds for its whole life.

The knowledge and its matching index, the libraries' modules and tables: some 175,000 objects
that a full collection walks every time, a pause of about 100 ms for every citizen, once every
few thousand messages (measured with the shipped knowledge). `gc.freeze` moves them out of the
collector's sight; they are still freed by reference counting when replaced (a /reload).
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what start-up left over, then freeze what remains (once started, and again
    after the knowledge is replaced, so that the old index's cycles are collected)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def settle_if_frozen() -> None:
    """`settle` for a server that froze at start; nothing in tests and command-line tools."""
    if gc.get_freeze_count():
        settle()
