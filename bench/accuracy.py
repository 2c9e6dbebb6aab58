"""Accuracy of the matcher on a labelled question set, overall and per writing style.

    python bench/accuracy.py [tests/data/questions_dev.jsonl] [--errors]

Top-1 procedure accuracy counts procedure questions whose first match is the labelled one;
intent accuracy is over every message; aspect accuracy over procedure questions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.understanding import Understander  # noqa: E402


def evaluate(path: Path, knowledge: Path, show_errors: bool = False) -> dict[str, float]:
    understander = Understander(load_knowledge(knowledge))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    per_style: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    started = time.perf_counter()
    for row in rows:
        u = understander.understand(row["text"])
        style = row.get("style", "?")
        totals["n"] += 1
        intent_ok = u.intent == row["intent"]
        totals["intent_ok"] += intent_ok
        if row["intent"] != "procedure":
            totals["other_n"] += 1
            totals["other_ok"] += intent_ok
        else:
            top = u.best.id if u.best else None
            ok = top == row["procedure"]
            per_style[style]["n"] += 1
            per_style[style]["ok"] += ok
            totals["proc_n"] += 1
            totals["proc_ok"] += ok
            aspect = u.aspect if u.aspect != "legal" else "general"
            totals["aspect_ok"] += aspect == row["aspect"]
            if show_errors and not ok:
                got = f"{top} {u.best.score if u.best else ''}"
                print(f"PROC  {row['id']} want {row['procedure']:<22} got {got:<28} {row['text']}")
            if show_errors and ok and aspect != row["aspect"]:
                print(f"ASPCT {row['id']} want {row['aspect']:<9} got {aspect:<9} {row['text']}")
        if show_errors and not intent_ok:
            print(f"INTNT {row['id']} want {row['intent']:<9} got {u.intent:<9} {row['text']}")
    elapsed = time.perf_counter() - started
    result = {
        "top1": totals["proc_ok"] / max(totals["proc_n"], 1),
        "intent": totals["intent_ok"] / max(totals["n"], 1),
        "intent_non_procedure": totals["other_ok"] / max(totals["other_n"], 1),
        "aspect": totals["aspect_ok"] / max(totals["proc_n"], 1),
    }
    print(f"{path.name}: {totals['n']} messages, {totals['proc_n']} procedure questions")
    print(f"  top-1 procedure accuracy     {result['top1']:.3f}")
    print(f"  intent accuracy (all)        {result['intent']:.3f}")
    print(f"  intent (complaint/help/none) {result['intent_non_procedure']:.3f}")
    print(f"  aspect accuracy              {result['aspect']:.3f}")
    for style, c in sorted(per_style.items()):
        print(f"  top-1 {style:<12} {c['ok'] / c['n']:.3f}  ({c['ok']}/{c['n']})")
    print(f"  {elapsed / max(totals['n'], 1) * 1000:.2f} ms per message (single pass)")
    return result


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="*", type=Path, default=[ROOT / "tests/data/questions_dev.jsonl"])
    p.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    p.add_argument("--errors", action="store_true", help="print every miss")
    args = p.parse_args()
    for f in args.files:
        evaluate(f, args.knowledge, args.errors)


if __name__ == "__main__":
    main()
