"""Knowledge gaps over a large log: time to group it, and how well groups follow the labels.

    python bench/bench_gaps.py [--copies N]

The log is every labelled procedure question of tests/data (dev, holdout and final sets),
repeated `--copies` times with the variations citizens add (a closing particle, accents
dropped), so that one subject is asked in many wordings. Printed:
- time to group (the CLI's work after reading the database), and groups found;
- purity: share of questions whose group's most common label is their own;
- suggestion: share of questions whose group suggests their labelled procedure;
- together: share of questions in the group holding most of their label (high = few splits).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import read_jsonl  # noqa: E402
from bot.gaps import SIMILARITY, GapFinder, LoggedQuestion  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.text_vi import fold  # noqa: E402
from bot.understanding import Understander  # noqa: E402

SETS = ("questions_dev.jsonl", "questions_holdout.jsonl", "questions_final.jsonl")
ENDINGS = ("", " ạ", " vậy", " nha", " với ạ", "?", " giúp em")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--copies", type=int, default=20)
    p.add_argument("--similarity", type=int, default=SIMILARITY)
    args = p.parse_args()
    rng = random.Random(7)
    labelled = [
        (item["text"], item["procedure"])
        for name in SETS
        for item in read_jsonl(ROOT / "tests/data" / name)
        if item.get("procedure")
    ]
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    log: list[LoggedQuestion] = []
    label_of: dict[str, str] = {}
    for n in range(args.copies):
        for i, (text, label) in enumerate(labelled):
            varied = text + rng.choice(ENDINGS)
            if rng.random() < 0.3:
                varied = fold(varied)
            label_of[varied] = label
            log.append(LoggedQuestion(varied, t0 + timedelta(seconds=n * len(labelled) + i)))

    kb = load_knowledge(ROOT / "knowledge")
    finder = GapFinder(kb, Understander(kb), similarity=args.similarity)
    start = time.perf_counter()
    groups = finder.find(log)
    elapsed = time.perf_counter() - start

    pure = suggested = 0
    per_label: dict[str, Counter[int]] = {}
    for n, g in enumerate(groups):
        for q in g.questions:
            per_label.setdefault(label_of[q.text], Counter())[n] += 1
    together = sum(c.most_common(1)[0][1] for c in per_label.values())
    for g in groups:
        labels = Counter(label_of[q.text] for q in g.questions)
        majority = labels.most_common(1)[0][0]
        pure += labels[majority]
        suggested += labels[g.procedure_id] if g.procedure_id else 0
    total = len(log)
    print(f"{total} questions ({len(labelled)} labelled × {args.copies} with variations)")
    print(f"  grouped in {elapsed:.2f} s into {len(groups)} groups (similarity {args.similarity})")
    print(f"  purity (question's group majority = its label)   {pure / total:.3f}")
    print(f"  suggested procedure = the question's label        {suggested / total:.3f}")
    print(f"  together (share of a label in its biggest group)  {together / total:.3f}")
    print(f"  distinct labels {len(set(label_of.values()))}")


if __name__ == "__main__":
    main()
