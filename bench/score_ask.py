"""Score `python -m bot ask --jsonl` on a labelled set, the way outside tools measure the bot.

    python bench/score_ask.py tests/data/questions_final.jsonl

Top-1: first match == labelled procedure, over procedure questions. Intent: over complaint,
help and none messages (and over all). Prints the wall time of the whole CLI run too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "tests/data/questions_final.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    stdin = "\n".join(
        json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) for r in rows
    )
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--jsonl"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    elapsed = time.perf_counter() - started
    out = {o["id"]: o for o in map(json.loads, run.stdout.splitlines())}
    c: Counter[str] = Counter()
    for r in rows:
        o = out[r["id"]]
        c["n"] += 1
        c["intent_ok"] += o["intent"] == r["intent"]
        if r["intent"] == "procedure":
            c["proc"] += 1
            c["top1"] += bool(o["matches"]) and o["matches"][0]["id"] == r["procedure"]
        else:
            c["other"] += 1
            c["other_ok"] += o["intent"] == r["intent"]
    print(f"{path.name}: {c['n']} messages through `python -m bot ask --jsonl` in {elapsed:.2f} s")
    print(
        f"  top-1 procedure accuracy        {c['top1'] / c['proc']:.3f}  ({c['top1']}/{c['proc']})"
    )
    print(
        f"  intent, complaint/help/none     {c['other_ok'] / c['other']:.3f}  "
        f"({c['other_ok']}/{c['other']})"
    )
    print(f"  intent, all messages            {c['intent_ok'] / c['n']:.3f}")


if __name__ == "__main__":
    main()
