"""The offline moderator: a local word list matched as whole words, case- and accent-insensitively.

Text is normalised before matching: accents are stripped (NFKD), case is folded, digits and
symbols standing in for letters inside a word are read as those letters ("s3x", "p0rn"), letters
repeated three times or more count once ("fuuuck"), and every run of punctuation or space becomes
one space, so "self-harm" and "self harm" are the same. Entries then match only between word
boundaries: "Scunthorpe", "Sussex", "therapist", "heroine" and "method" do not trip "cunt",
"sex", "rapist", "heroin" or "meth".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from app.providers._blocked_words import BLOCKED
from app.providers.moderation import Verdict

# Read only inside words that also hold letters: "5-8" and "2nd" stay as they are.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_WORD = re.compile(r"[\w@$]+")
_REPEATS = re.compile(r"(\w)\1{2,}")


def normalize(text: str) -> str:
    """`text` as the matcher sees it: lower-case ASCII-ish words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = []
    for word in _WORD.findall(stripped):
        if any(ch.isalpha() for ch in word):
            word = word.translate(_LEET)
        word = _REPEATS.sub(r"\1", word).replace("_", " ").strip()
        if word:
            words.append(word)
    return " ".join(words)


def _pattern(entries: Sequence[str]) -> re.Pattern[str]:
    alternatives = []
    for entry in sorted(entries, key=len, reverse=True):  # longest first: report "crystal meth", not "meth"
        stem, wildcard = (entry[:-1], True) if entry.endswith("*") else (entry, False)
        words = normalize(stem).split(" ")
        alternatives.append(r"\s".join(map(re.escape, words)) + (r"\w*" if wildcard else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


class WordList:
    """Finds the blocked words and phrases of each category in a text."""

    def __init__(self, blocked: Mapping[str, Sequence[str]] = BLOCKED) -> None:
        self._patterns = {category: _pattern(entries) for category, entries in blocked.items() if entries}

    def find(self, text: str) -> dict[str, list[str]]:
        """Category -> the words or phrases of `text` that matched it (only categories that matched)."""
        normal = normalize(text)
        found: dict[str, list[str]] = {}
        for category, pattern in self._patterns.items():
            if hits := list(dict.fromkeys(match.group(0) for match in pattern.finditer(normal))):
                found[category] = hits
        return found


class WordListModerator:
    """The offline moderator: no network, no key; used whenever the text provider is not OpenAI."""

    name = "wordlist"

    def __init__(self, words: WordList | None = None) -> None:
        self._words = words or WordList()

    def check_now(self, texts: Sequence[str]) -> list[Verdict]:
        """The verdicts, synchronously (the OpenAI moderator falls back to this)."""
        verdicts = []
        for text in texts:
            found = self._words.find(text)
            verdicts.append(
                Verdict(
                    flagged=bool(found),
                    categories=tuple(found),
                    matches=tuple(hit for hits in found.values() for hit in hits),
                )
            )
        return verdicts

    async def check(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text, in order."""
        # Microseconds of regex work per text: cheaper than a hop to a worker thread.
        return self.check_now(texts)

    async def aclose(self) -> None:
        """Nothing to release."""
