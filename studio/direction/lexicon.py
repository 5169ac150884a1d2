"""Pronunciation lexicons: entries that say how a word or phrase is read, and where they match.

An entry maps a word or phrase to a respelling in plain letters (``say="wuster"``) or to phonemes
in the model's own notation (``ipa="wˈʊstəɹ"``). Entries match whole words only, and ignore case
unless they are case-sensitive. They belong to one language (every voice of it). A project's
lexicon wins over the personal one. Phonemes are checked against the model's symbols when an
entry is made, by ``check_phonemes`` with the symbols passed in: no model is loaded here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import ErrorCode, StudioError
from studio.fsutil import atomic_write

#: Lexicon languages and the voice language codes (studio.speech.voices.LANGUAGES) they cover.
LANGUAGE_CODES: dict[str, str] = {
    "en": "ab",
    "es": "e",
    "fr": "f",
    "hi": "h",
    "it": "i",
    "ja": "j",
    "pt": "p",
    "zh": "z",
}
DEFAULT_LANGUAGE = "en"
MAX_WORD_CHARS = 100
PERSONAL_LEXICON_FILE = "lexicon.json"
#: Symbols people type for IPA that the model writes differently.
_LOOKALIKES = {
    "g": "ɡ (U+0261)",
    "'": "ˈ (U+02C8) for primary stress",
    "ɝ": "ɜɹ",
    "ɫ": "l",
}


def language_of_voice(lang_code: str) -> str:
    """The lexicon language of a voice language code ('a' and 'b' are both 'en')."""
    for language, codes in LANGUAGE_CODES.items():
        if lang_code in codes:
            return language
    return DEFAULT_LANGUAGE


def check_language(language: object) -> str:
    if not isinstance(language, str) or language not in LANGUAGE_CODES:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"Unknown lexicon language {language!r}.",
            f"Use one of: {', '.join(LANGUAGE_CODES)}.",
        )
    return language


def lexicon_entry_schema(camel: bool = False) -> dict[str, Any]:
    """An entry's JSON Schema (``camel``: the service's ``caseSensitive``); ``from_json`` checks
    each entry, and says which one is wrong by its position."""
    return {
        "type": "object",
        "properties": {
            "word": {"type": "string", "description": "The word, as written in the text."},
            "say": {"type": "string", "description": "A respelling to read instead."},
            "ipa": {"type": "string", "description": "Phonemes in the model's symbols."},
            "caseSensitive" if camel else "case_sensitive": {"type": "boolean", "default": False},
            "language": {"type": "string", "description": "A language code: 'a', 'b', 'e', …"},
        },
        "required": ["word"],
        "oneOf": [{"required": ["say"]}, {"required": ["ipa"]}],
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class LexiconEntry:
    """How to read ``word``: exactly one of ``say`` (a respelling) and ``ipa`` (phonemes)."""

    word: str
    say: str | None = None
    ipa: str | None = None
    case_sensitive: bool = False
    language: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        word = self.word.strip() if isinstance(self.word, str) else ""
        if not word:
            raise StudioError(ErrorCode.INVALID_INPUT, "A lexicon entry needs a word.")
        if len(word) > MAX_WORD_CHARS or any(c in word for c in "[]\\\n"):
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"'{word[:40]}' cannot be a lexicon word.",
                f"Use a word or phrase of at most {MAX_WORD_CHARS} characters, without brackets, "
                "backslashes or line breaks.",
            )
        object.__setattr__(self, "word", " ".join(word.split()))
        if (self.say is None) == (self.ipa is None):
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"The entry for '{word}' needs either a respelling or phonemes (not both).",
                "Give --say TEXT (a respelling such as 'wuster') or --ipa PHONEMES.",
            )
        value = self.say if self.say is not None else self.ipa
        if not isinstance(value, str) or not value.strip() or any(c in value for c in "[]\\/\n"):
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"The pronunciation of '{word}' must be plain text without brackets, slashes or "
                "line breaks.",
            )
        object.__setattr__(self, "say" if self.say is not None else "ipa", " ".join(value.split()))
        check_language(self.language)

    @property
    def pronunciation(self) -> str:
        return self.say if self.say is not None else str(self.ipa)

    @property
    def key(self) -> tuple[str, str]:
        """Entries with the same key are the same entry (one replaces the other)."""
        return self.language, self.word if self.case_sensitive else self.word.casefold()

    def matches(self, word: str) -> bool:
        """Whether this entry is the one for ``word`` as a user names it (ignoring case unless
        case-sensitive)."""
        word = " ".join(word.split())
        return word == self.word if self.case_sensitive else word.casefold() == self.word.casefold()

    def to_json(self, camel: bool = False) -> dict[str, Any]:
        """Its JSON object (``camel``: the service's ``caseSensitive``)."""
        data: dict[str, Any] = {"word": self.word}
        data["say" if self.say is not None else "ipa"] = self.pronunciation
        data["caseSensitive" if camel else "case_sensitive"] = self.case_sensitive
        data["language"] = self.language
        return data

    @classmethod
    def from_json(cls, raw: object, camel: bool = False) -> LexiconEntry:
        """An entry from its JSON object (``camel``: the service's ``caseSensitive``)."""
        if not isinstance(raw, dict):
            raise StudioError(ErrorCode.INVALID_INPUT, "A lexicon entry must be an object.")
        case_key = "caseSensitive" if camel else "case_sensitive"
        allowed = {"word", "say", "ipa", case_key, "language"}
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"Unknown field '{unknown[0]}' in a lexicon entry.",
                f"The fields are: {', '.join(sorted(allowed))}.",
            )
        for name in ("word", "say", "ipa", "language"):
            if raw.get(name) is not None and not isinstance(raw[name], str):
                raise StudioError(
                    ErrorCode.INVALID_INPUT, f"A lexicon entry's '{name}' must be text."
                )
        case = raw.get(case_key, False)
        if not isinstance(case, bool):
            raise StudioError(
                ErrorCode.INVALID_INPUT, f"A lexicon entry's '{case_key}' must be true or false."
            )
        return cls(
            raw.get("word") or "",
            raw.get("say"),
            raw.get("ipa"),
            case,
            raw.get("language") or DEFAULT_LANGUAGE,
        )

    def pattern(self) -> re.Pattern[str]:
        """Where the entry matches: the whole word or phrase, any run of spaces between words."""
        words = [re.escape(w) for w in self.word.split(" ")]
        body = r"\s+".join(words)
        flags = 0 if self.case_sensitive else re.IGNORECASE
        return re.compile(rf"(?<!\w){body}(?!\w)", flags)


def check_phonemes(phonemes: str, symbols: Collection[str], what: str) -> None:
    """Refuse phonemes with a symbol the model does not know, naming the symbol."""
    for index, char in enumerate(phonemes):
        if char not in symbols:
            name = f"{char!r} (U+{ord(char):04X})"
            lookalike = _LOOKALIKES.get(char)
            hint = f"Did you mean {lookalike}? " if lookalike and lookalike[0] in symbols else ""
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"The phonemes of {what} use {name} at position {index + 1}, which is not a "
                "phoneme symbol of the model.",
                hint + "Use the model's own notation (misaki's), e.g. wˈʊstəɹ for Worcester.",
            )


@dataclass
class Lexicon:
    """An ordered set of entries, one per key; adding an entry with the same key replaces it."""

    entries: list[LexiconEntry] = field(default_factory=list)

    def __iter__(self) -> Iterator[LexiconEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, entry: LexiconEntry) -> LexiconEntry | None:
        """Add or replace; returns the entry it replaced, if any."""
        for index, old in enumerate(self.entries):
            if old.key == entry.key:
                self.entries[index] = entry
                return old
        self.entries.append(entry)
        return None

    def add_checked(
        self, entries: Iterable[LexiconEntry], symbols: Collection[str] | None
    ) -> list[LexiconEntry]:
        """Add entries after checking all their phonemes first: one bad entry adds none.
        Returns the entries they replaced."""
        entries = list(entries)
        if symbols is not None:
            for entry in entries:
                if entry.ipa is not None:
                    check_phonemes(entry.ipa, symbols, f"'{entry.word}'")
        replaced = [self.add(entry) for entry in entries]
        return [old for old in replaced if old is not None]

    def remove(self, word: str, language: str | None = None) -> list[LexiconEntry]:
        """Remove the entries for ``word`` (in ``language``, or any); returns what was removed.

        A case-sensitive entry is also found by its word in other capitals when nothing else is.
        """
        mine = [e for e in self.entries if language in (None, e.language)]
        gone = [e for e in mine if e.matches(word)]
        if not gone:
            wanted = " ".join(word.split()).casefold()
            gone = [e for e in mine if e.word.casefold() == wanted]
        self.entries = [e for e in self.entries if e not in gone]
        return gone

    def to_json(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self.entries]

    @classmethod
    def from_json(cls, raw: object, camel: bool = False) -> Lexicon:
        if not isinstance(raw, list):
            raise StudioError(ErrorCode.INVALID_INPUT, "A lexicon must be a list of entries.")
        lexicon = cls()
        for index, item in enumerate(raw):
            try:
                lexicon.add(LexiconEntry.from_json(item, camel))
            except StudioError as exc:
                raise StudioError(
                    exc.code, f"Lexicon entry {index + 1}: {exc.message}", exc.hint
                ) from exc
        return lexicon


def merged(*lexicons: Iterable[LexiconEntry]) -> tuple[LexiconEntry, ...]:
    """The entries in force, first lexicon first: an entry hides later ones with its key."""
    seen: set[tuple[str, str]] = set()
    result = []
    for lexicon in lexicons:
        for entry in lexicon:
            if entry.key not in seen:
                seen.add(entry.key)
                result.append(entry)
    return tuple(result)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry: LexiconEntry


def find_matches(
    text: str, entries: Iterable[LexiconEntry], taken: Iterable[tuple[int, int]] = ()
) -> list[Match]:
    """Non-overlapping matches of ``entries`` in ``text``, in order of position.

    Longer phrases win (so 'New York City' beats 'York'), then earlier entries. Spans in
    ``taken`` (one-off pronunciations) are never matched.
    """
    folded = text.casefold()
    present = [e for e in entries if e.word.split(" ")[0].casefold() in folded]  # a quick sieve
    ranked = tuple(sorted(present, key=lambda e: -len(e.word)))
    if not ranked:
        return []
    pattern = _combined(ranked)
    busy = list(taken)
    found: list[Match] = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        span = match.span()
        if any(span[0] < end and start < span[1] for start, end in busy):
            position = span[0] + 1
            continue
        found.append(Match(span[0], span[1], ranked[int(str(match.lastgroup)[1:])]))
        position = span[1]
    return found


@functools.lru_cache(maxsize=32)
def _combined(ranked: tuple[LexiconEntry, ...]) -> re.Pattern[str]:
    """One pattern for all entries: an alternative each, longest first, with its own case rule."""
    alternatives = []
    for index, entry in enumerate(ranked):
        body = r"\s+".join(re.escape(w) for w in entry.word.split(" "))
        if not entry.case_sensitive:
            body = f"(?i:{body})"
        alternatives.append(f"(?P<e{index}>{body})")
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


def personal_lexicon_path(settings_path: Path) -> Path:
    """The personal lexicon lives beside the settings file."""
    return Path(settings_path).parent / PERSONAL_LEXICON_FILE


def load_personal(path: Path) -> Lexicon:
    """The personal lexicon; an unreadable file is reported, never overwritten silently."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Lexicon()
    except (OSError, ValueError) as exc:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"The personal lexicon {path} cannot be read ({exc}).",
            "Fix or remove the file; it was left untouched.",
        ) from exc
    entries = raw.get("entries") if isinstance(raw, dict) else None
    try:
        return Lexicon.from_json(entries)
    except StudioError as exc:
        raise StudioError(
            exc.code,
            f"The personal lexicon {path} is damaged: {exc.message}",
            "Fix the file; it was left untouched.",
        ) from exc


def save_personal(lexicon: Lexicon, path: Path) -> None:
    data = {"version": 1, "entries": lexicon.to_json()}
    atomic_write(Path(path), (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
