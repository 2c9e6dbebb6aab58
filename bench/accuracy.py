"""Accuracy of the matcher on labelled question sets, overall and per writing style.

    python bench/accuracy.py [FILE ...] [--errors]

Top-1 procedure accuracy counts procedure questions whose first match is the labelled one;
"intent (complaint/help/none)" is over the other messages; aspect is over procedure questions.
Sets: tests/data/questions_dev.jsonl (tuned on), intents_dev2.jsonl (tuned on),
questions_holdout.jsonl and questions_final.jsonl (measured only).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import evaluate, read_jsonl  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.understanding import Understander  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="*", type=Path, default=[ROOT / "tests/data/questions_dev.jsonl"])
    p.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    p.add_argument("--errors", action="store_true", help="print every miss")
    args = p.parse_args()
    understander = Understander(load_knowledge(args.knowledge))
    for path in args.files:
        rows = read_jsonl(path)
        started = time.perf_counter()
        s = evaluate(understander, rows)
        elapsed = time.perf_counter() - started
        print(f"{path.name}: {s.messages} messages, {s.procedure_questions} procedure questions")
        if s.procedure_questions:
            print(f"  top-1 procedure accuracy     {s.top1:.3f}")
        print(f"  intent accuracy (all)        {s.intent:.3f}")
        if s.other_messages:
            print(f"  intent (complaint/help/none) {s.intent_non_procedure:.3f}")
        if s.procedure_questions:
            print(f"  aspect accuracy              {s.aspect:.3f}")
        for style, c in sorted(s.by_style.items()):
            print(f"  top-1 {style:<12} {c['ok'] / c['n']:.3f}  ({c['ok']}/{c['n']})")
        print(f"  {elapsed / max(s.messages, 1) * 1000:.2f} ms per message (single pass)")
        if args.errors:
            print("\n".join("  " + m for m in s.misses))


if __name__ == "__main__":
    main()
