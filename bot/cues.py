"""Cue phrases (editable in intents.yaml) found in a message, with and without its accents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.text_vi import Expander, fold, is_accented, tone_key, words

# Everyday words with their accents, so cue words that fold onto them are recognised as
# ambiguous without diacritics ("bẩn"/"bạn", "trễ"/"trẻ", "thối"/"thôi", "vỡ"/"vợ").
COMMON_WORDS = frozenset(
    """
    bạn bán ban bàn trẻ tre thôi thời tôi tối tới tơi vợ vở vô với đó đỏ do dò đồ bé bế bè về
    vẽ vé hơi hỏi hồi hội hổi nhà nha nhá ngã ngà nga hư hứ hũ hủ hú chậm chạm châm lâu lầu lẩu
    đau đâu dầu dâu dấu khói khỏi khoai sập sắp sáp nứt nút nụ ngập ngáp bụi búi bùi đục đúc
    dục lỗi lối lời lợi mùi mũi muối mới mời hôi hối hỏi sai sài sái sải đá dạ da dà đà
    giá gia già giả giã chào cháo cảm cám cam
    """.split()
)

# Sentence-final particles that make a Vietnamese sentence a question (accent-free).
QUESTION_ENDINGS = frozenset(
    {"khong", "chua", "ha", "nhi", "sao", "vay", "nao", "ta", "chi", "may", "dau"}
)
# Words that close a sentence politely after its question particle ("… được không ạ mn").
CLOSERS = frozenset(
    {"a", "ak", "ah", "nha", "nhe", "em", "anh", "chi", "mn", "ad", "admin", "ban", "oi"}
)


@dataclass(frozen=True)
class CueText:
    """A message in the form cue phrases are compared with.

    Typed with diacritics, words compare by tone-aware spelling ("lạm thu" is not "làm thủ",
    "bẩn" is not "bạn"); typed without, by the accent-free form, the only one there is.
    """

    accented: bool
    keys: list[str]
    folded: list[str]

    @classmethod
    def of(cls, text: str, expander: Expander) -> CueText:
        lowered = words(text)
        expanded = expander.expand_words(lowered)
        accented = is_accented(lowered)
        folded = [fold(w) for w in expanded]
        return cls(accented, [tone_key(w) for w in expanded] if accented else folded, folded)

    def masked(self, phrase: Sequence[str]) -> CueText:
        """The same text with a phrase (accent-free words) blanked out wherever it occurs."""
        keys, folded, size = list(self.keys), list(self.folded), len(phrase)
        for i in range(len(self.folded) - size + 1):
            if size and self.folded[i : i + size] == list(phrase):
                keys[i : i + size] = ["\x00"] * size
                folded[i : i + size] = ["\x00"] * size
        return CueText(self.accented, keys, folded)


class Cues:
    """Cue phrases of one kind, in both comparable forms.

    Without diacritics some cues cannot be told from other words ("dơ" from "đỏ", "bể" from
    "bé", "lạm thu" from "làm thủ"): those are only looked for when the message has accents.
    """

    def __init__(self, phrases: Iterable[Sequence[str]], spellings: Spellings) -> None:
        """`phrases`: the cue phrases, already expanded into standard words."""
        self.toned: list[tuple[str, ...]] = []
        self.folded: list[tuple[str, ...]] = []
        for expanded in phrases:
            if not expanded:
                continue
            toned = tuple(tone_key(w) for w in expanded)
            folded = tuple(fold(w) for w in expanded)
            self.toned.append(toned)
            # One syllable written with diacritics is too ambiguous without them ("bói" and
            # "bồi", "quát" and "quạt"): it is looked for only where the citizen typed accents.
            # A cue written without diacritics is the editor's choice to match it without them.
            accented = any(fold(w) != w.casefold() for w in expanded)
            if not accented or (len(folded) > 1 and not spellings.clashes(folded, toned)):
                self.folded.append(folded)

    def words(self) -> set[str]:
        return {w for p in self.folded for w in p}


Phrase = tuple[str, ...]


class _Scan:
    """The phrases of several cue kinds indexed by their first word, so one pass over a message
    finds the occurrences of every kind: one look-up per word, not one per word and kind."""

    def __init__(self, kinds: Sequence[Sequence[Phrase]]) -> None:
        # first word -> [(phrase, [(kind, place among that kind's phrases with this first word)])]
        self._by_first: dict[str, list[tuple[Phrase, list[tuple[int, int]]]]] = {}
        owners: dict[Phrase, list[tuple[int, int]]] = {}
        places: dict[tuple[int, str], int] = defaultdict(int)
        for kind, phrases in enumerate(kinds):
            for phrase in phrases:
                if not phrase:
                    continue
                if phrase not in owners:
                    owners[phrase] = []
                    self._by_first.setdefault(phrase[0], []).append((phrase, owners[phrase]))
                owners[phrase].append((kind, places[kind, phrase[0]]))
                places[kind, phrase[0]] += 1

    def spans(self, tokens: Sequence[str], into: list[list[tuple[int, int, Phrase]]]) -> None:
        """Add (start, place, phrase) of every occurrence to its kind's list in `into`."""
        for i, token in enumerate(tokens):
            for phrase, owners in self._by_first.get(token, ()):
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    for kind, place in owners:
                        into[kind].append((i, place, phrase))


class CueBook:
    """Cues of several kinds, found in a message in one pass per form (accent-free, and
    tone-aware when the message has accents)."""

    def __init__(self, kinds: dict[str, Cues]) -> None:
        self.names = list(kinds)
        self._folded = _Scan([c.folded for c in kinds.values()])
        self._toned = _Scan([c.toned for c in kinds.values()])

    def _hits(self, text: CueText) -> tuple[list[list[tuple[int, int, Phrase]]], ...]:
        folded: list[list[tuple[int, int, Phrase]]] = [[] for _ in self.names]
        toned: list[list[tuple[int, int, Phrase]]] = [[] for _ in self.names]
        self._folded.spans(text.folded, folded)
        if text.accented:
            self._toned.spans(text.keys, toned)
        return folded, toned

    def found(self, text: CueText) -> dict[str, list[str]]:
        """Each kind's cues in the text: by tone-aware keys when it has accents, and always by
        the accent-free form for cues that cannot be mistaken (so a mistyped tone still counts);
        distinct, in order of occurrence, accent-free ones first."""
        folded, toned = self._hits(text)
        result = {}
        for name, plain, typed in zip(self.names, folded, toned, strict=True):
            hits = list(dict.fromkeys(p for *_, p in sorted(plain)))
            if typed:
                hits += [p for p in dict.fromkeys(p for *_, p in sorted(typed)) if p not in hits]
            result[name] = [" ".join(p) for p in hits]
        return result

    def longest_last(self, text: CueText) -> str | None:
        """The kind with the longest occurrence, the one ending last between equals; the kind
        listed first between kinds that tie. None when no cue occurs."""
        best_name, best_rank = None, (0, -1)
        for name, plain, typed in zip(self.names, *self._hits(text), strict=True):
            for i, _, phrase in (*plain, *typed):
                rank = (len(phrase), i + len(phrase))
                if rank > best_rank:
                    best_name, best_rank = name, rank
        return best_name


def ends_as_question(text: CueText) -> bool:
    """Whether the message ends with a question particle ("… được không", "… chưa", "… hả")."""
    tail = list(text.folded)
    while len(tail) > 1 and tail[-1] in CLOSERS:
        tail.pop()
    return bool(tail) and tail[-1] in QUESTION_ENDINGS


class Spellings:
    """How the knowledge (and everyday speech) spells the word runs that cue phrases fold to:
    a cue is ambiguous without accents when the same accent-free run is spelt otherwise."""

    def __init__(self, texts: Iterable[Sequence[str]], wanted: Collection[tuple[str, ...]]) -> None:
        lengths = {len(w) for w in wanted}
        self._seen: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
        firsts = {w[0] for w in wanted}
        for text in texts:
            folded = tuple(fold(w) for w in text)
            for i, word in enumerate(folded):
                if word not in firsts:
                    continue  # no cue starts with this word: most positions end here
                for size in lengths:
                    run = folded[i : i + size]
                    if len(run) == size and run in wanted:
                        toned = tuple(tone_key(w) for w in text[i : i + size])
                        self._seen[run].add(toned)

    def clashes(self, folded: tuple[str, ...], toned: tuple[str, ...]) -> bool:
        return bool(self._seen.get(folded, set()) - {toned})
