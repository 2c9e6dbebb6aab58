"""Speed and memory of the matcher, against plain rapidfuzz baselines, at 40 and 2,000 procedures.

    .venv/bin/python bench/bench_matching.py      (from the repository root; under a minute)

It only prints figures; nothing is asserted. Two knowledge bases are measured:

* shipped -- the `knowledge/` folder as loaded by `load_knowledge` (40 procedures);
* scaled  -- 2,000 procedures built in memory (written to a temporary folder, removed again,
  only to time loading them from disk): the shipped ones plus 49 variants of each, with a
  new id (`khai-sinh-v17`) and a name and aliases that carry a qualifier -- a commune or
  ward, a target group, a sub-case, or a second procedure combined with the first
  ("... kết hợp ...", its aliases joined with "và") -- on a random subset of the original
  aliases, shuffled. New words come in and words are shared between procedures as in a real
  catalogue. Names and aliases stay unique across procedures under the checker's rule (same
  accent-free words = same name), so colliding aliases are left out (counted). Synonyms,
  intents, offices and every other part of the knowledge are the shipped ones.

Figures:

0. Knowledge bases: names + aliases, distinct words and features (words and word pairs) that
   the index holds, aliases left out, time to generate the scaled base.
1. Load and index build in ms, median of 5 runs (n= says how many: a build so slow that the
   runs would pass 40 s gets fewer): `load_knowledge(folder)` (YAML parsing, validation,
   cross-checks; for the scaled base, of the same knowledge folder with its procedures
   replaced by the 2,000 in one file), `Understander(kb)` (cue tables and procedure index,
   i.e. the index build), and both together. Memory, from one more build under
   tracemalloc: peak of Python allocations while `Understander(kb)` runs (temporaries
   included), and what is still allocated once it is built (the Understander kept).
2. Per-message latency of `Understander.understand(text)` over the messages of
   tests/data/questions_dev.jsonl, cycled for 3,000 timings per base after one whole warm-up
   pass: p50 / p95 / p99 / max in ms (nearest-rank percentiles). The warm-up pass, on a
   freshly built Understander, is reported too ("first pass"): its typo-correction cache is
   still empty, as right after a (re)load.
3. Baselines on the same messages, timed the same way (1,000 timings per base, after 20
   untimed calls):
   - `rapidfuzz.process.extractOne(text, names)`: procedure names, default scorer (WRatio),
     no preprocessing;
   - fold + token_set_ratio: `extractOne(fold(text), [fold(name)...],
     scorer=fuzz.token_set_ratio)`, folding the message inside the timing.
   Top-1 accuracy over the procedure questions of the dev set: the first match's id (the
   procedure of the chosen name, for the baselines) equals the labelled one. On the scaled
   base the labels are the shipped originals, so it also says whether an original still beats
   its 49 variants.

Timings use time.perf_counter_ns, with gc.collect() between sections (the collector stays on).
The last line gives the wall time of each part.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import math
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rapidfuzz  # noqa: E402
import yaml  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from bot.knowledge.base import KnowledgeBase  # noqa: E402
from bot.knowledge.loader import load_knowledge  # noqa: E402
from bot.knowledge.schema import Procedure  # noqa: E402
from bot.text_vi import fold, words  # noqa: E402
from bot.understanding import Understander  # noqa: E402

KNOWLEDGE = ROOT / "knowledge"
QUESTIONS = ROOT / "tests/data/questions_dev.jsonl"
BUILD_RUNS = 5
BUILD_BUDGET_S = 40.0  # per timed figure; slower builds get fewer runs (the count is printed)
OUR_TIMINGS = 3000  # per base, after a whole warm-up pass
BASELINE_TIMINGS = 1000  # per base: the baselines' spread is small, and this keeps the run short
WARM_UP = 20  # untimed baseline calls first
SCALED_SIZE = 2000
SEED = 20250701
OURS = "Understander.understand()"
FIRST = "understand(), first pass"
PLAIN = "extractOne(text, names)"
FOLDED = "fold + token_set_ratio"

# -- the scaled knowledge base -------------------------------------------------------------

PLACES = """
xã Mỹ An Hưng|phường Cao Lãnh|phường Mỹ Trà|phường Sa Đéc|xã Tân Hồng|xã Tháp Mười|xã Lai Vung
|xã Lấp Vò|phường Hồng Ngự|xã Thanh Bình|xã Tam Nông|xã Tân Thành|phường Mỹ Tho|xã Cái Bè
|phường Cai Lậy|phường Gò Công|xã Chợ Gạo|xã Tân Phước|xã Phú Thành|xã Bình Thạnh|xã An Long
|xã Trường Xuân|xã Mỹ Thọ|xã Phong Hòa|xã Định Yên|xã Tân Dương|xã Hòa Long|xã Long Hưng
|xã Thường Phước|xã Tân Hộ Cơ|xã An Hữu|xã Hậu Mỹ|xã Mỹ Thiện|xã Vĩnh Kim|xã Kim Sơn
|xã Tân Phú Đông|phường Thới Sơn|phường An Bình|xã Bình Hàng Trung|xã Tịnh Thới|xã Mỹ Hiệp
|xã Phương Thịnh|xã Ba Sao|xã Mỹ Quí|xã Đốc Binh Kiều|xã Gáo Giồng|xã Thông Bình
|xã Tân Khánh Trung|xã Long Khánh|xã Thường Lạc|xã Phú Cường|xã Hưng Thạnh|xã Tân Nhuận Đông
|xã Phú Hựu|xã Mỹ Đức Tây|xã Hậu Thành|xã Ngũ Hiệp|xã Long Tiên|xã Lương Hòa Lạc
|xã Vĩnh Bình|xã Đồng Sơn|xã Gia Thuận|xã Tân Điền|phường Trung An|phường Đạo Thạnh
|phường Long Thuận|phường Bình Xuân|phường Nhị Quý|xã Hiệp Đức|xã Thạnh Phú|xã Hội Cư
"""
TARGETS = """
cho người cao tuổi|cho người khuyết tật|cho người nước ngoài|cho đồng bào dân tộc thiểu số
|cho hộ nghèo|cho trẻ em dưới 6 tuổi|cho học sinh sinh viên|cho công nhân khu công nghiệp
|cho người có công với cách mạng|cho cựu chiến binh|cho người Việt Nam định cư ở nước ngoài
|cho ngư dân|cho hộ nông dân|cho doanh nghiệp nhỏ và vừa|cho người lao động tự do
|cho quân nhân xuất ngũ|cho nạn nhân chất độc da cam|cho người không có nơi cư trú
|cho thân nhân liệt sĩ|cho thương binh bệnh binh|cho người hưởng lương hưu|cho tiểu thương chợ
|cho chủ tàu cá|cho giáo viên mầm non|cho thanh niên xung phong|cho người thuê nhà ở xã hội
"""
SUBCASES = """
trường hợp quá hạn|có yếu tố nước ngoài|lần đầu|cấp lại do thất lạc|điều chỉnh thông tin
|bổ sung hồ sơ|liên thông điện tử|trực tuyến toàn trình|khu vực biên giới
|khi sắp xếp đơn vị hành chính|do thiên tai lũ lụt|theo diện ưu tiên|theo thủ tục rút gọn
|trường hợp đặc biệt|thay đổi nơi đăng ký|gia hạn hiệu lực|ủy quyền nộp thay
|nộp qua bưu chính công ích|tại bộ phận một cửa|hồ sơ giấy chuyển sang điện tử
|đính chính sai sót|tạm ngừng hoạt động|chấm dứt hiệu lực|khôi phục sau thu hồi
|miễn giảm lệ phí|xác minh nguồn gốc|phúc tra kết quả|kê khai bổ sung|bản điện tử có chữ ký số
|song ngữ Anh Việt|người đại diện theo pháp luật|mất giấy hẹn trả kết quả
"""


def _options(block: str) -> list[str]:
    return [" ".join(s.split()) for s in block.split("|")]


def _key(text: str) -> str:
    """The checker's identity of a name or alias: its accent-free words."""
    return " ".join(fold(w) for w in words(text))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def scaled_knowledge(kb: KnowledgeBase, size: int, seed: int = SEED) -> tuple[KnowledgeBase, int]:
    """The shipped procedures plus qualified variants of them; also the aliases left out."""
    rng = random.Random(seed)
    places, targets, subcases = _options(PLACES), _options(TARGETS), _options(SUBCASES)
    base = kb.procedures
    copies = math.ceil(size / len(base)) - 1  # variants of each shipped procedure
    taken = {_key(t) for p in base for t in (p.name, *p.aliases)}
    dropped = 0
    out: list[Procedure] = list(base)
    for bi, proc in enumerate(base):
        pools = {
            "place": rng.sample(places, len(places)),
            "target": rng.sample(targets, len(targets)),
            "subcase": rng.sample(subcases, len(subcases)),
            "combine": rng.sample([o for o in base if o is not proc], len(base) - 1),
        }
        kinds = list(pools)
        v = 0
        while v < copies and len(out) < size:
            kind = kinds[(v + bi) % len(kinds)]
            pool = pools[kind]
            if not pool:
                kinds.remove(kind)
                continue
            pick = pool.pop()
            n = len(proc.aliases)
            kept = rng.sample(proc.aliases, rng.randint(max(1, n // 3), min(8, n - 1)))
            if isinstance(pick, Procedure):
                name = f"{proc.name} kết hợp {_lower_first(pick.name)}"
                other = rng.sample(pick.aliases, min(len(kept), len(pick.aliases)))
                aliases = [f"{a} và {o}" for a, o in zip(kept, other, strict=False)]
            elif kind == "place":
                short = pick.split(" ", 1)[1]
                name = f"{proc.name} tại {pick}"
                aliases = [f"{a} {pick}" if i % 2 else f"{a} ở {short}" for i, a in enumerate(kept)]
            else:
                name = f"{proc.name} {pick}"
                aliases = [f"{a} {pick}" for a in kept]
            if _key(name) in taken:
                continue  # try the next qualifier
            taken.add(_key(name))
            unique = []
            for alias in aliases:
                if _key(alias) in taken:
                    dropped += 1
                    continue
                taken.add(_key(alias))
                unique.append(alias)
            v += 1
            update = {"id": f"{proc.id}-v{v}", "name": name, "aliases": unique}
            out.append(proc.model_copy(update=update))
    scaled = dataclasses.replace(kb, procedures=tuple(out), version=f"{kb.version}-x{len(out)}")
    return scaled, dropped


# -- measuring -----------------------------------------------------------------------------


def write_knowledge(kb: KnowledgeBase) -> Path:
    """The knowledge folder with its procedures replaced by `kb`'s, in a temporary directory."""
    folder = Path(tempfile.mkdtemp(prefix="bench-knowledge-")) / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    for old in (folder / "procedures").glob("*.yaml"):
        old.unlink()
    entries = [json.loads(p.model_dump_json(exclude_none=True)) for p in kb.procedures]
    with (folder / "procedures" / "all.yaml").open("w", encoding="utf-8") as fh:
        yaml.safe_dump(entries, fh, allow_unicode=True, sort_keys=False, width=1000)
    return folder


def median_ms(fn: Callable[[], object]) -> tuple[float, int]:
    """Median ms of BUILD_RUNS calls, and the number of calls made.

    When calls are so slow that the next would take the total past BUILD_BUDGET_S, it stops
    early (at least one call), so a slow build cannot stretch the run without bound.
    """
    samples: list[int] = []
    while len(samples) < BUILD_RUNS:
        if samples and (sum(samples) + max(samples)) / 1e9 > BUILD_BUDGET_S:
            break
        started = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1e6, len(samples)


def build_memory(kb: KnowledgeBase) -> tuple[float, float, Understander]:
    """Peak and retained MiB of Python allocations while building an Understander (returned)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    understander = Understander(kb)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - before) / 2**20, (current - before) / 2**20, understander


def timed_pass(fn: Callable[[str], object], texts: Sequence[str]) -> tuple[list[int], list[object]]:
    timings, results = [], []
    for text in texts:
        started = time.perf_counter_ns()
        result = fn(text)
        timings.append(time.perf_counter_ns() - started)
        results.append(result)
    return timings, results


def latency(
    fn: Callable[[str], object], texts: Sequence[str], wanted: int, first_pass: bool
) -> tuple[list[int], list[int], list]:
    """Timings of `wanted` calls, cycling through the texts, after a warm-up.

    The warm-up is a whole timed pass when `first_pass` (its timings are returned too), else
    a few untimed calls. Results come from the first whole pass.
    """
    gc.collect()
    first: list[int] = []
    results: list = []
    if first_pass:
        first, results = timed_pass(fn, texts)
    else:
        for text in texts[:WARM_UP]:
            fn(text)
    timings: list[int] = []
    while len(timings) < wanted:
        chunk, out = timed_pass(fn, texts[: wanted - len(timings)])
        timings += chunk
        if not results and len(out) == len(texts):
            results = out
    if len(results) != len(texts):
        results = [fn(text) for text in texts]
    return first, timings, results


def percentiles(timings_ns: Iterable[int]) -> tuple[int, float, float, float, float]:
    data = sorted(timings_ns)

    def rank(p: float) -> float:
        return data[max(0, math.ceil(p / 100 * len(data)) - 1)] / 1e6

    return len(data), rank(50), rank(95), rank(99), data[-1] / 1e6


def top1(predicted: Sequence[str | None], rows: Sequence[dict]) -> tuple[float, int, int]:
    pairs = [(p, r["procedure"]) for p, r in zip(predicted, rows, strict=True)]
    asked = [(p, want) for p, want in pairs if want is not None]
    ok = sum(p == want for p, want in asked)
    return ok / max(len(asked), 1), ok, len(asked)


def _ms(value: float, runs: int) -> str:
    return f"{value:.1f} (n={runs})"


def _load() -> str:
    """The 1-minute load average (what else the CPUs were doing), where the system has it."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"


# -- the run -------------------------------------------------------------------------------


def main() -> None:
    started_run = time.perf_counter()
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]
    texts = [r["text"] for r in rows]
    proc_index = [i for i, r in enumerate(rows) if r["intent"] == "procedure" and r["procedure"]]
    proc_rows = [rows[i] for i in proc_index]
    now = dt.datetime.now().astimezone()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"Matching benchmark — {now:%Y-%m-%d %H:%M:%S %Z}")
    print(
        f"machine: {os.cpu_count()} CPUs ({usable} usable), {platform.machine()}, "
        f"{platform.system()} {platform.release()}, load average {_load()}"
    )
    print(
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"rapidfuzz {rapidfuzz.__version__}"
    )
    print(
        f"dev set: {QUESTIONS.relative_to(ROOT)}, {len(rows)} messages, "
        f"{len(proc_rows)} procedure questions"
    )
    spent: dict[str, float] = {}

    # 1. load and index build -------------------------------------------------------------
    section = time.perf_counter()
    shipped = load_knowledge(KNOWLEDGE)
    gen_started = time.perf_counter_ns()
    scaled, dropped = scaled_knowledge(shipped, SCALED_SIZE)
    gen_ms = (time.perf_counter_ns() - gen_started) / 1e6
    bases = {"shipped": shipped, "scaled": scaled}
    heads = " ".join(
        f"{f'{label} ({len(kb.procedures):,})':>{width}}"
        for (label, kb), width in zip(bases.items(), (16, 16), strict=True)
    )
    gc.collect()
    load_ms, load_runs = median_ms(lambda: load_knowledge(KNOWLEDGE))
    gc.collect()
    both_ms, both_runs = median_ms(lambda: Understander(load_knowledge(KNOWLEDGE)))
    # The scaled base as files on disk, the way maintainers would keep 2,000 procedures.
    disk = write_knowledge(scaled)
    gc.collect()
    disk_load_ms, disk_load_runs = median_ms(lambda: load_knowledge(disk))
    gc.collect()
    disk_both_ms, disk_both_runs = median_ms(lambda: Understander(load_knowledge(disk)))
    shutil.rmtree(disk.parent, ignore_errors=True)
    build_ms: dict[str, tuple[float, int]] = {}
    memory: dict[str, tuple[float, float]] = {}
    understanders: dict[str, Understander] = {}
    for label, kb in bases.items():
        gc.collect()
        build_ms[label] = median_ms(lambda kb=kb: Understander(kb))
        peak, kept, understanders[label] = build_memory(kb)
        memory[label] = (peak, kept)
    gc.collect()
    spent["1. load and build"] = time.perf_counter() - section

    features = [u.index.idf for u in understanders.values()]
    print()
    print(f"{'Knowledge bases':<44} {heads}")
    table: list[tuple[str, object, object]] = [
        (
            "names + aliases",
            *(sum(1 + len(p.aliases) for p in kb.procedures) for kb in bases.values()),
        ),
        ("distinct words in names + aliases", *(sum(" " not in f for f in fs) for fs in features)),
        ("indexed features (words + word pairs)", *(len(fs) for fs in features)),
        ("aliases left out as duplicates", "-", dropped),
        ("generated in memory, ms", "-", f"{gen_ms:.0f}"),
    ]
    for name, a, b in table:
        print(f"  {name:<42} {a!s:>16} {b!s:>16}")

    print()
    print(f"{'1. Load and index build, median of n runs':<44} {heads}")
    table = [
        ("load_knowledge(folder), ms", _ms(load_ms, load_runs), _ms(disk_load_ms, disk_load_runs)),
        ("Understander(kb) = index build, ms", *(_ms(*build_ms[b]) for b in bases)),
        ("load + index build, ms", _ms(both_ms, both_runs), _ms(disk_both_ms, disk_both_runs)),
        ("index build, tracemalloc peak, MiB", *(f"{memory[b][0]:.2f}" for b in bases)),
        ("index built, still allocated, MiB", *(f"{memory[b][1]:.2f}" for b in bases)),
    ]
    for name, a, b in table:
        print(f"  {name:<42} {a:>16} {b:>16}")

    # 2. and 3. per-message latency ---------------------------------------------------------
    section = time.perf_counter()
    latencies: dict[tuple[str, str], tuple[int, float, float, float, float]] = {}
    predictions: dict[tuple[str, str], list[str | None]] = {}
    for label, kb in bases.items():
        understander = understanders.pop(label)  # not used yet: its typo cache is empty
        names = [p.name for p in kb.procedures]
        ids = [p.id for p in kb.procedures]
        folded_names = [fold(n) for n in names]

        def ours(text: str, u: Understander = understander) -> str | None:
            best = u.understand(text).best
            return best.id if best else None

        def plain(text: str, names: list[str] = names, ids: list[str] = ids) -> str | None:
            hit = process.extractOne(text, names)
            return ids[hit[2]] if hit else None

        def folded(text: str, names: list[str] = folded_names, ids: list[str] = ids) -> str | None:
            hit = process.extractOne(fold(text), names, scorer=fuzz.token_set_ratio)
            return ids[hit[2]] if hit else None

        for method, fn in ((OURS, ours), (PLAIN, plain), (FOLDED, folded)):
            wanted = OUR_TIMINGS if method == OURS else BASELINE_TIMINGS
            first, timings, results = latency(fn, texts, wanted, first_pass=method == OURS)
            latencies[(method, label)] = percentiles(timings)
            if method == OURS:
                latencies[(FIRST, label)] = percentiles(first)
            predictions[(method, label)] = [results[i] for i in proc_index]
        del understander
        gc.collect()
    spent["2-3. latency"] = time.perf_counter() - section

    print()
    print("2-3. Per-message latency over the dev set, ms (nearest-rank percentiles)")
    print(
        f"  {'method':<30} {'base':<8} {'timings':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}"
    )
    for method in (OURS, FIRST, PLAIN, FOLDED):
        for label in bases:
            n, p50, p95, p99, top = latencies[(method, label)]
            print(
                f"  {method:<30} {label:<8} {n:>7} {p50:>8.3f} {p95:>8.3f} {p99:>8.3f} {top:>8.3f}"
            )

    print("  (first pass: the warm-up pass of a freshly built Understander, typo cache empty)")
    print()
    print(f"{f'3. Top-1 accuracy, {len(proc_rows)} procedure questions':<44} {heads}")
    for method in (OURS, PLAIN, FOLDED):
        cells = []
        for label in bases:
            acc, ok, n = top1(predictions[(method, label)], proc_rows)
            cells.append(f"{acc:.1%} ({ok}/{n})")
        print(f"  {method:<42} {cells[0]:>16} {cells[1]:>16}")

    print()
    spent["total"] = time.perf_counter() - started_run
    print("run time: " + ", ".join(f"{k} {v:.0f} s" for k, v in spent.items()))
    print(f"load average at the end {_load()} (other work on the machine skews the figures)")


if __name__ == "__main__":
    main()
