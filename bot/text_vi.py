"""Vietnamese text normalisation: clean Unicode, accent-free keys, tokens and synonym expansion."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

# Characters that change how text looks without being text: zero-width joiners and spaces,
# bidirectional overrides/isolates (used to disguise text), BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0xFEFF]
    + list(range(0x200B, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2070)),
)
# C0 and C1 control characters except tab and newline (lone surrogates are replaced above).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# "nhaaaa", "đcccc", "hôôông": people stretch words for tone; three or more repeats of a vowel,
# or of any letter at the end of a word, become one ("cccd" keeps its letters).
_STRETCH = re.compile(r"(\w)\1{2,}", re.UNICODE)


def _unstretch(word: str) -> str:
    def one(m: re.Match[str]) -> str:
        at_end = m.end() == len(word)
        return m.group(1) if at_end or fold(m.group(1)) in "aeiouy" else m.group(0)

    return _STRETCH.sub(one, word)


def clean(text: str) -> str:
    """Return NFC text without invisible, bidi-override or control characters, spaces collapsed.

    Lone surrogates (malformed UTF-16 from some clients) are replaced, never raised on.
    """
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.splitlines()).strip()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accent-free, lower-case key: 'Hòa', 'hoà' (old tone placement), 'HOA' all give 'hoa'; đ→d."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


# Markup pasted or typed into a message ("<b>", "</script>") is not what the citizen said.
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]{0,15}(\s[^<>]{0,200})?/?>")


def words(text: str) -> list[str]:
    """Lower-case NFC words of a text (letters and digits; punctuation, emoji, tags dropped)."""
    return list(_words(text))


@lru_cache(maxsize=32768)
def _words(text: str) -> tuple[str, ...]:
    lowered = unicodedata.normalize("NFC", _TAG.sub(" ", clean(text)).casefold())
    found = _WORD.findall(lowered)
    if not _STRETCH.search(lowered):
        return tuple(found)
    return tuple(_unstretch(w) for w in found)


@dataclass(frozen=True, slots=True)
class Synonym:
    """One editable synonym: the words as typed (accented or not) and the standard phrase."""

    typed: tuple[str, ...]
    means: tuple[str, ...]
    accented: bool  # written with diacritics in the file: then it matches only when typed so


class Expander:
    """Replaces abbreviations, teen-code and slang by standard words (longest match first).

    An entry written without diacritics ("ko") matches the accent-free form of what was typed;
    an entry written with them ("sđ") matches only when typed with them, so that "sđ" (sổ đỏ)
    is not confused with "sd" (sử dụng).
    """

    def __init__(self, synonyms: Iterable[Synonym]) -> None:
        self._plain: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._accented: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._longest = 1
        self._starts: set[str] = set()
        for syn in synonyms:
            table = self._accented if syn.accented else self._plain
            table[syn.typed] = syn.means
            self._longest = max(self._longest, len(syn.typed))
            self._starts.add(syn.typed[0])

    def expand(self, lowered: Sequence[str]) -> list[str]:
        """Map lower-case words to accent-free standard words."""
        return [fold(w) for w in self.expand_words(lowered)]

    def expand_words(self, lowered: Sequence[str]) -> list[str]:
        """Map lower-case words to standard words, keeping the diacritics that were typed."""
        folded = [fold(w) for w in lowered]
        out: list[str] = []
        i = 0
        while i < len(folded):
            if folded[i] not in self._starts and lowered[i] not in self._starts:
                out.append(lowered[i])  # no entry begins with this word: skip the look-ups
                i += 1
                continue
            for size in range(min(self._longest, len(folded) - i), 0, -1):
                means = self._accented.get(tuple(lowered[i : i + size])) or self._plain.get(
                    tuple(folded[i : i + size])
                )
                if means is not None:
                    out.extend(means)
                    i += size
                    break
            else:
                out.append(lowered[i])
                i += 1
        return out


def make_synonym(typed: str, means: str) -> Synonym:
    """Build a Synonym from the file's strings, deciding whether it is accent-sensitive."""
    typed_words = tuple(words(typed))
    return Synonym(
        typed=typed_words,
        means=tuple(words(means)),
        accented=any(fold(w) != w for w in typed_words),
    )


_TONES = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}


@lru_cache(maxsize=65536)
def tone_key(word: str) -> str:
    """A spelling key that keeps vowel marks and tone but not where the tone was placed.

    "hoà" and "hòa" both give "hoa2"; "lạm" ("lam5") and "làm" ("lam2") stay apart, which
    folding alone cannot do.
    """
    decomposed = unicodedata.normalize("NFD", word)
    tones = [_TONES[ch] for ch in decomposed if ch in _TONES]
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return base + (tones[0] if tones else "")


def is_accented(lowered: Sequence[str]) -> bool:
    """Whether a message was typed with diacritics: many Vietnamese words have none ("em",
    "nha", "ban"), so a third of the words carrying them is enough."""
    alphabetic = [w for w in lowered if not w.isdigit()]
    marked = sum(1 for w in alphabetic if fold(w) != w)
    return bool(alphabetic) and marked * 3 >= len(alphabetic)


def key_tokens(text: str, expander: Expander | None = None) -> list[str]:
    """Accent-free standard tokens of a text: the form the matcher compares."""
    lowered = words(text)
    return expander.expand(lowered) if expander else [fold(w) for w in lowered]
