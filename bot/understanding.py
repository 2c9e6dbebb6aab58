"""What a citizen's message asks for: its intent, the aspect asked and the procedures meant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.cues import COMMON_WORDS, CueBook, Cues, CueText, Spellings, ends_as_question
from bot.intent_model import LABELS, IntentModel, features
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.schema import CueSet
from bot.matching import ProcedureIndex, ProcedureMatch, Ranking, expander_for
from bot.text_vi import fold, key_tokens, words

Intent = Literal["procedure", "complaint", "help", "none"]

# Procedures that are themselves about complaining: a question about them is a procedure question.
COMPLAINT_PROCEDURES = frozenset({"khieu-nai", "to-cao", "phan-anh-kien-nghi", "tiep-cong-dan"})

# Score thresholds (0–100) tuned on tests/data/questions_dev.jsonl; see bench/accuracy.py.
ANSWER_SCORE = 50.0  # a clear winner is answered at once…
ANSWER_MARGIN = 6.0  # …when it leads the next candidate by this much…
ANSWER_COVERAGE = 0.5  # …and at least half of one of its names is in the message
SUGGEST_SCORE = 44.0  # below this, nothing is good enough to suggest
GROUNDED_COVERAGE = 0.25  # at least this share of a procedure's name must be in the message
STRONG_SCORE = 70.0  # a match this strong outweighs off-topic and help cues
NARRATIVE_WORDS = 5  # a statement at least this long, naming no procedure, reads as a report
STORY_WORDS = 8  # …and one naming a procedure, at least this long, tells what happened
SHORT_WORDS = 7  # a greeting or an opener this short is just that
FOLLOW_UP_WORDS = 6  # "còn lệ phí?", "mất mấy ngày vậy em": short, aspect only
# Procedures for filing: a statement naming one is the wish to file ("tôi muốn khiếu nại…").
FILING_PROCEDURES = frozenset({"khieu-nai", "to-cao", "phan-anh-kien-nghi"})


@dataclass(frozen=True)
class Understanding:
    """The reading of one message."""

    intent: Intent
    aspect: str  # fee | time | documents | where | online | legal | general
    matches: list[ProcedureMatch]
    confident: bool  # the first match is a clear winner
    wants_human: bool
    wants_offices: bool  # opening hours, phone numbers, addresses (`asks_about_offices`)
    faq: str | None  # the id of the question of faq.yaml asked, if any
    ranking: Ranking
    cues: dict[str, list[str]]

    @property
    def best(self) -> ProcedureMatch | None:
        return self.matches[0] if self.matches else None


@dataclass(frozen=True)
class Signals:
    """What the cue phrases and the shape of a message say, before deciding its intent."""

    cues: dict[str, list[str]]
    n_tokens: int
    interrogative: bool  # a question mark, a question phrase or a final question particle

    def has(self, kind: str) -> bool:
        return bool(self.cues.get(kind))


def asks_about_offices(s: Signals) -> bool:
    """Opening hours, a phone number or an address of the offices rather than a procedure
    ("xã có làm việc thứ 7 không", "sđt một cửa tỉnh"): a word of each kind, and nothing of a
    report ("gọi lên xã hoài mà không ai nghe máy", "tới nơi thì đóng cửa rồi")."""
    office = s.has("office_info") and s.has("office_place")
    return office and not (s.has("story") or s.has("complaint_weak"))


def _names_only(s: Signals, best: ProcedureMatch) -> bool:
    """A short message that is little more than a procedure's name ("khiếu nại", "tố cáo")."""
    return s.n_tokens <= 4 or (best.coverage >= 0.9 and s.n_tokens <= 6)


def decide_intent(s: Signals, best: ProcedureMatch | None, aspect: str) -> Intent:
    """Procedure, complaint, help or none, from the signals, in order of strength.

    - A concrete problem ("đèn đường hư mấy tuần") is a complaint even if it names a procedure.
    - A question, or a wish ("em muốn làm giấy khai sinh"), naming a procedure is a procedure
      question; so is asking how to complain ("muốn tố cáo thì nộp đơn ở đâu" → to-cao).
    - A statement that tells what happened ("tôi bị xã từ chối chứng thực mà không nói lý do")
      is a report, whether or not it names a procedure: citizens ask by questions or wishes.
    - Talk about the bot itself, greetings and thanks are help; other topics are none.
    """
    top = best.score if best else 0.0
    wants = s.has("request")
    asks = s.interrogative or wants
    # Asking how to complain names the procedure itself ("muốn tố cáo thì nộp đơn ở đâu").
    about_complaining = (
        best is not None and best.id in COMPLAINT_PROCEDURES and best.coverage >= ANSWER_COVERAGE
    )
    weak = best is not None and best.coverage < ANSWER_COVERAGE
    if weak and not asks and s.n_tokens >= NARRATIVE_WORDS:
        best = None  # a long statement that only brushes a procedure's name
    if s.n_tokens == 0:
        return "none"
    if s.has("human"):
        return "help"
    if s.has("complaint_strong") and not (about_complaining and asks):
        return "complaint"
    if asks_about_offices(s) and top < STRONG_SCORE:
        return "help"  # answered with the offices' hours and contacts
    if s.has("out_of_scope") and top < STRONG_SCORE:
        return "none"
    if (s.has("help") or s.has("about_bot")) and top < STRONG_SCORE:
        return "help"
    if s.has("greeting") and not asks and not s.has("complaint_weak") and top < STRONG_SCORE:
        return "help"  # "cảm ơn, thông tin rất hữu ích"
    if best is not None:
        filing = best.id in FILING_PROCEDURES
        if filing and not s.interrogative and not _names_only(s, best):
            return "complaint"  # "tôi muốn khiếu nại quyết định thu hồi đất": file it
        story = s.has("story") or s.has("complaint_weak")
        if story and not asks and s.n_tokens >= STORY_WORDS:
            return "complaint"  # tells what happened, asks nothing
        if s.has("complaint_weak") and not asks and s.n_tokens > 4:
            return "complaint"
        return "procedure"
    if s.has("complaint_weak") and not s.interrogative:
        return "complaint"
    if s.has("greeting") or (wants and s.n_tokens <= SHORT_WORDS):
        return "help"  # a greeting, or an opener with nothing after it ("cho em hỏi với")
    if aspect != "general" and s.n_tokens <= FOLLOW_UP_WORDS:
        return "procedure"  # a follow-up ("còn lệ phí?") about the procedure last discussed
    if s.n_tokens >= NARRATIVE_WORDS and not s.interrogative:
        # A statement naming no procedure is far more often a report than chatter: off-topic
        # messages to a government bot are mostly questions.
        return "complaint"
    return "none"


def _clear_cut(s: Signals, best: ProcedureMatch | None, rule: Intent) -> bool:
    """Cases the hand-written cues decide on their own, whatever the learnt model says: an
    empty message, a request for a person, a concrete problem, a question naming a procedure."""
    if s.n_tokens == 0 or s.has("human"):
        return True
    if rule == "help" and asks_about_offices(s):
        return True
    if rule == "complaint" and s.has("complaint_strong"):
        return True
    asks = s.interrogative or s.has("request")
    return rule == "procedure" and best is not None and best.coverage >= ANSWER_COVERAGE and asks


class Understander:
    """Reads messages against one knowledge base; rebuilt whole when the knowledge changes."""

    def __init__(self, kb: KnowledgeBase) -> None:
        expander = expander_for(kb)
        intents = kb.intents
        # Procedure names and common words: a cue that folds onto a phrase of theirs spelt with
        # other accents is ambiguous in a message typed without accents.
        self.index = ProcedureIndex(kb, expander)
        vocabulary = [*self.index.phrase_words, *([w] for w in COMMON_WORDS)]
        kinds = {
            "greeting": intents.greeting,
            "help": intents.help,
            "human": intents.human,
            "question": intents.question,
            "request": intents.request,
            "about_bot": intents.about_bot,
            "story": intents.story,
            "complaint_strong": intents.complaint_strong,
            "complaint_weak": intents.complaint_weak,
            "out_of_scope": intents.out_of_scope,
            **{
                kind: cues
                for kind, cues in (
                    ("office_info", intents.office_info),
                    ("office_place", intents.office_place),
                )
                if cues is not None  # optional: left out of older knowledge folders
            },
            **{f"faq:{f.id}:topic": CueSet(phrases=f.topic) for f in kb.faq},
            **{f"faq:{f.id}:ask": CueSet(phrases=f.ask) for f in kb.faq},
            **{f"aspect:{name}": cues for name, cues in intents.aspects.items()},
        }
        parsed = {
            kind: [expander.expand_words(words(p)) for p in cues.phrases]
            for kind, cues in kinds.items()
        }
        wanted = {tuple(fold(w) for w in e) for ps in parsed.values() for e in ps if len(e) > 1}
        spellings = Spellings(vocabulary, wanted)
        cues_of = {kind: Cues(ps, spellings) for kind, ps in parsed.items()}
        self.kinds = {k: c for k, c in cues_of.items() if not k.startswith("aspect:")}
        self.aspects = {
            k.removeprefix("aspect:"): c for k, c in cues_of.items() if k.startswith("aspect:")
        }
        self._kind_book = CueBook(self.kinds)
        self._aspect_book = CueBook(self.aspects)
        # Cue words are known words: the typo rescue must not "correct" them into names.
        known = set().union(*(c.words() for c in (*self.kinds.values(), *self.aspects.values())))
        self.index.known = self.index.known | known
        self.faq_ids = [f.id for f in kb.faq]
        self.model: IntentModel | None = None
        if kb.intent_examples is not None:
            self.train(
                (text, label) for label in LABELS for text in getattr(kb.intent_examples, label)
            )

    def _read(self, text: str) -> tuple[CueText, dict[str, list[str]], bool]:
        """The message's cue form, the cues found in it, and whether it is a question."""
        cue_text = CueText.of(text, self.index.expander)
        cues = self._kind_book.found(cue_text)
        interrogative = "?" in text or bool(cues["question"]) or ends_as_question(cue_text)
        return cue_text, cues, interrogative

    def train(self, examples: Iterable[tuple[str, str]]) -> None:
        """(Re)learn the intent model from (message, intent) pairs."""
        items = []
        for text, label in examples:
            cue_text, cues, interrogative = self._read(text)
            items.append((features(cue_text.folded, cues, interrogative), label))
        self.model = IntentModel(items)

    def understand(self, text: str, limit: int = 3) -> Understanding:
        """Intent, aspect and ranked procedures of one message."""
        ranking = self.index.rank(text, limit=max(limit, 3))
        cue_text, cues, interrogative = self._read(text)
        matches = [
            m
            for m in ranking.matches
            if m.score >= SUGGEST_SCORE and m.coverage >= GROUNDED_COVERAGE
        ][:limit]
        best = matches[0] if matches else None
        top = best.score if best else 0.0
        runner_up = matches[1].score if len(matches) > 1 else 0.0
        confident = (
            top >= ANSWER_SCORE
            and top - runner_up >= ANSWER_MARGIN
            and best is not None
            and best.coverage >= ANSWER_COVERAGE
        )
        aspect = self._aspect(cue_text, best)
        signals = Signals(cues=cues, n_tokens=len(ranking.tokens), interrogative=interrogative)
        intent = decide_intent(signals, best, aspect)
        if self.model and not _clear_cut(signals, best, intent):
            allowed: list[Intent] = ["help", "none"]
            problem = any(signals.has(k) for k in ("complaint_strong", "complaint_weak", "story"))
            if problem or not interrogative:
                allowed.append("complaint")  # a bare question is not a report
            follow_up = aspect != "general" and signals.n_tokens <= FOLLOW_UP_WORDS
            if best is not None or follow_up:
                allowed.append("procedure")
            feats = features(cue_text.folded, cues, interrogative)
            intent = self.model.best(feats, allowed) or intent
        # Its topic is specific ("sáp nhập"), so it wins over a procedure the question names
        # ("sáp nhập rồi có phải đổi căn cước không" asks about the merger, not the card).
        faq = self._faq(signals) if intent != "complaint" else None
        if faq is not None:
            intent = "help"  # answered from faq.yaml
        if intent != "procedure":
            matches, confident = ([], False) if intent != "complaint" else (matches, False)
        return Understanding(
            intent=intent,
            aspect=aspect if intent == "procedure" else "general",
            matches=matches,
            confident=confident,
            wants_human=bool(cues["human"]),
            wants_offices=intent == "help" and faq is None and asks_about_offices(signals),
            faq=faq,
            ranking=ranking,
            cues={k: v for k, v in cues.items() if v},
        )

    def _faq(self, s: Signals) -> str | None:
        """The question of faq.yaml asked: a phrase of its topic and one of its ask, in a
        message that reports nothing (a question may still tell a little: "đã sáp nhập rồi")."""
        report = s.has("complaint_strong") or s.has("complaint_weak")
        if report or (s.has("story") and not s.interrogative):
            return None
        for faq_id in self.faq_ids:
            if s.has(f"faq:{faq_id}:topic") and s.has(f"faq:{faq_id}:ask"):
                return faq_id
        return None

    def _aspect(self, text: CueText, best: ProcedureMatch | None) -> str:
        """The part asked about; words of the procedure's own name do not count ("mai táng phí").

        The longest cue wins; between equals, the one ending last, since Vietnamese puts the
        head word last ("mất bao nhiêu ngày" asks for time, not money).
        """
        if best is not None and best.alias:
            text = text.masked(key_tokens(best.alias, self.index.expander))
        return self._aspect_book.longest_last(text) or "general"
