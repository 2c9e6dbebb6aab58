"""Cue phrases (editable in intents.yaml) found in a message, with and without its accents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.matching import PhraseSet
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
        self._toned = PhraseSet(self.toned)
        self._folded = PhraseSet(self.folded)

    def found(self, text: CueText) -> list[str]:
        """Cues in the text: by tone-aware keys when it has accents, and always by the
        accent-free form for cues that cannot be mistaken (so a mistyped tone still counts)."""
        hits = self._folded.found(text.folded)
        if text.accented:
            hits += [p for p in self._toned.found(text.keys) if p not in hits]
        return [" ".join(p) for p in hits]

    def spans(self, text: CueText) -> list[tuple[int, int]]:
        """(length, end) of every occurrence, for ranking which cue the message ends on."""
        found = [(len(p), end) for p, end in self._folded.spans(text.folded)]
        if text.accented:
            found += [(len(p), end) for p, end in self._toned.spans(text.keys)]
        return found

    def words(self) -> set[str]:
        return {w for p in self.folded for w in p}


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
