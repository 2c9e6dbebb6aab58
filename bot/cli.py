"""Command line: run | chat | ask | check | migrate | gaps | stats | export | purge. A stable
interface other tools rely on."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot import cli_reports, gaps_cli, memory
from bot.knowledge.loader import KnowledgeError, load_knowledge, problems_of
from bot.log_format import setup_logging
from bot.settings import Settings

CLI_ASPECTS = {"fee", "time", "documents", "where", "online"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Trợ lý dịch vụ công Đồng Tháp")
    sub = p.add_subparsers(dest="command")
    run = sub.add_parser("run", help="chạy bot trên Telegram (mặc định: polling)")
    run.add_argument(
        "--webhook", action="store_true", help="nhận tin qua webhook (WEBHOOK_URL, WEBHOOK_SECRET)"
    )
    sub.add_parser("chat", help="trò chuyện thử trong terminal, không cần token")
    ask = sub.add_parser("ask", help="hỏi bộ so khớp, không cần Telegram")
    ask.add_argument("text", nargs="*", help="câu hỏi")
    ask.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    ask.add_argument("--jsonl", action="store_true", help="đọc từng dòng JSON từ stdin")
    ask.add_argument("--explain", action="store_true", help="giải thích vì sao khớp")
    ask.add_argument("--knowledge", type=Path, help="thư mục tri thức (mặc định KNOWLEDGE_DIR)")
    check = sub.add_parser("check", help="kiểm tra các tệp tri thức")
    check.add_argument("dir", nargs="?", type=Path, help="thư mục (mặc định KNOWLEDGE_DIR)")
    sub.add_parser("migrate", help="cập nhật cấu trúc cơ sở dữ liệu")
    gaps_cli.add_parser(sub)
    cli_reports.add_commands(sub)
    purge = sub.add_parser("purge", help="xóa dữ liệu cá nhân đã quá thời hạn lưu")
    purge.add_argument(
        "--days", type=int, help="số ngày lưu (mặc định PERSONAL_DATA_RETENTION_DAYS)"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    # python-telegram-bot 22: RetryAfter.retry_after as a timedelta (bot.notify handles both).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print("Cấu hình (.env hoặc biến môi trường) chưa đúng:", file=sys.stderr)
        for error in exc.errors():
            name = ".".join(map(str, error["loc"])).upper()
            print(f"  {name}: {error['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    # JSON lines without personal data; the token keys the hash that stands for a chat id.
    setup_logging(settings.log_level, key=settings.token)
    command = args.command or ("run" if settings.token else "chat")
    if command == "chat":
        logging.getLogger().setLevel(logging.WARNING)  # the terminal is the chat window
    if command == "check":
        return check(args.dir or settings.knowledge_dir)
    if command == "ask":
        return ask(args, args.knowledge or settings.knowledge_dir)
    if command == "gaps":
        return gaps_cli.run(args, settings)
    if command in ("stats", "export"):
        return cli_reports.run(args, settings)
    if command == "migrate":
        from bot.storage.db import make_engine, migrate

        migrate(make_engine(settings.database_url))
        print("Cơ sở dữ liệu đã được cập nhật.")
        return 0
    if command == "purge":
        return purge(settings, args.days)
    try:
        if command == "chat":
            from bot.terminal_chat import run_terminal_chat

            run_terminal_chat(settings)
            return 0
        if not settings.token:
            print("Chưa có TELEGRAM_BOT_TOKEN. Dùng `python -m bot chat` để thử trong terminal.")
            return 2
        from bot.app import build_application, webhook_options

        if getattr(args, "webhook", False):
            try:
                options = webhook_options(settings)
            except ValueError as exc:
                print(exc, file=sys.stderr)
                return 2
            from bot.webhook import run_webhook

            application = build_application(settings)
            memory.settle()
            run_webhook(application, settings, **options)
        else:
            application = build_application(settings, polling=True)
            memory.settle()
            application.run_polling(drop_pending_updates=False)
        return 0
    except KnowledgeError as exc:
        print("Bot không khởi động vì tệp tri thức có lỗi:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1


def purge(settings: Settings, days: int | None) -> int:
    """Blank personal data kept longer than the retention period; print what was blanked."""
    import asyncio

    from bot.ports import SystemClock
    from bot.privacy import PrivacyDesk
    from bot.storage.db import make_engine, migrate
    from bot.storage.privacy_repo import PrivacyStore

    days = settings.personal_data_retention_days if days is None else days
    if days < 1:
        print("--days phải từ 1 trở lên.", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    migrate(engine)
    erased = asyncio.run(PrivacyDesk(PrivacyStore(engine), SystemClock(), days).purge())
    print(
        f"Đã xóa dữ liệu cá nhân quá {days} ngày: {erased.cases} phản ánh, "
        f"{erased.handoffs} câu hỏi gửi cán bộ, {erased.drafts} bản nháp, "
        f"{erased.messages} tin nhắn, {erased.contexts} ngữ cảnh, {erased.questions} câu hỏi."
    )
    return 0


def check(root: Path) -> int:
    """Print every problem as `file:line key.path: message`; exit 1 if there is any."""
    problems = problems_of(root)
    for problem in problems:
        print(f"{root.as_posix().rstrip('/')}/{problem}")
    if problems:
        print(
            f"\n{len(problems)} lỗi. Sửa các lỗi trên rồi chạy lại lệnh kiểm tra.", file=sys.stderr
        )
        return 1
    kb = load_knowledge(root)
    print(f"Tốt: {len(kb.procedures)} thủ tục, {len(kb.offices)} nơi tiếp nhận, không có lỗi.")
    return 0


def _result(understander: Any, text: str, ident: Any = None) -> dict[str, Any]:
    u = understander.understand(text)
    return {
        "id": ident,
        "intent": u.intent,
        "aspect": u.aspect if u.aspect in CLI_ASPECTS else "general",
        "matches": [{"id": m.id, "title": m.title, "score": m.score} for m in u.matches[:3]],
    }


def ask(args: argparse.Namespace, root: Path) -> int:
    from bot.understanding import Understander

    try:
        understander = Understander(load_knowledge(root))
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.jsonl:
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text = str(item["text"])
            except (ValueError, KeyError, TypeError):
                print(f"dòng {n}: không phải JSON có trường text", file=sys.stderr)
                print(json.dumps({"id": None, "error": "invalid input"}, ensure_ascii=False))
                continue
            out = _result(understander, text, item.get("id") if isinstance(item, dict) else None)
            print(json.dumps(out, ensure_ascii=False), flush=False)
        sys.stdout.flush()
        return 0
    text = " ".join(args.text)
    if args.explain:
        print(json.dumps(explain(understander, text), ensure_ascii=False, indent=2))
        return 0
    out = _result(understander, text)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"ý định: {out['intent']} · khía cạnh: {out['aspect']}")
    for m in out["matches"]:
        print(f"  {m['score']:5.1f}  {m['id']}  ({m['title']})")
    return 0


def explain(understander: Any, text: str) -> dict[str, Any]:
    """Why a message matched: normalised text, expanded words, corrections, cues, the alias
    that matched and each candidate's score."""
    from bot.text_vi import clean, words

    u = understander.understand(text)
    best = u.best
    return {
        "text": clean(text),
        "normalised": " ".join(u.ranking.tokens),
        # The words after abbreviations and teen-code were expanded (cccd → căn cước công dân).
        "expanded": understander.index.expander.expand_words(words(text)),
        "tokens": u.ranking.tokens,
        "matched": {"id": best.id, "alias": best.alias, "score": best.score} if best else None,
        "corrected": u.ranking.corrected,
        "cues": u.cues,
        "intent": u.intent,
        "aspect": u.aspect,
        "confident": u.confident,
        "candidates": u.ranking.details,
    }
