"""The pronunciation review: the words of a project worth listening to before it is voiced.

A narrator cannot listen to a whole book to find the few words the model reads wrong. Most
English words come from misaki's dictionaries; the rest are guessed by espeak-ng's rules, and
that is where invented names and rare words go wrong. The review asks the phonemizer how every
word will be read (no synthesis: a book takes seconds) and lists, with count, scenes, phonemes
and a respelling:

- ``guessed``: words in none of the dictionaries nor the lexicons;
- ``heteronym``: words the dictionary reads two ways (wind, tear, live), once per reading chosen;
- ``number``, ``abbreviation``, ``symbol``: what the reader expands, as it will be said.

Words the lexicon or an inline pronunciation directs are left out: the narrator chose them. The
review also lists speaker labels the cast does not know, which are not spoken. It covers scenes
read by English voices; other languages' phonemizers do not say which words they guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from studio.direction.grammar import unknown_labels
from studio.direction.lexicon import Lexicon
from studio.direction.plan import Passage, plan_read
from studio.direction.reading import reading_fixes
from studio.engine.g2p import Phonemizer, WordReading
from studio.errors import StudioError
from studio.project.model import Project, Scene
from studio.speech.respelling import respell
from studio.speech.voices import parse_voice

KINDS = ("guessed", "heteronym", "number", "abbreviation", "symbol")
_BATCH_CHARS = 2000
#: Short units misaki spells out letter by letter or guesses ("km" → "kay em").
_UNIT_WORDS = "km kg cm mm mg ml mph kph kmh lb lbs oz ft yd mi hr hrs min sec ms kb mb gb tb kw"
_UNITS = frozenset(_UNIT_WORDS.split()) | {"kwh", "hz", "khz", "mhz", "ghz"}


@dataclass
class ReviewEntry:
    """One reading of one word, and where it occurs (scene ids in project order)."""

    word: str
    kind: str
    reading: str
    count: int = 0
    scenes: list[str] = field(default_factory=list)
    reviewed: bool = False
    #: Where to hear it: the first sentence it occurs in, and the voice that reads it.
    sentence: str = ""
    voice: str = ""

    @property
    def respelling(self) -> str:
        return respell(self.reading)

    def to_json(self) -> dict[str, Any]:
        return {
            "word": self.word,
            "kind": self.kind,
            "count": self.count,
            "scenes": self.scenes,
            "reading": self.reading,
            "respelling": self.respelling,
            "reviewed": self.reviewed,
        }


@dataclass
class UnknownLabel:
    label: str
    count: int = 0
    scenes: list[str] = field(default_factory=list)


@dataclass
class Review:
    entries: list[ReviewEntry]
    labels: list[UnknownLabel]
    #: Scenes that could not be reviewed (a malformed tag, an unknown voice), id → why.
    problems: dict[str, str]
    distinct_words: int  # of the scenes reviewed, for the share the review asks to check

    def to_json(self) -> dict[str, Any]:
        return {
            "words": [entry.to_json() for entry in self.entries],
            "labels": [
                {"label": label.label, "count": label.count, "scenes": label.scenes}
                for label in self.labels
            ],
            "problems": [{"scene": sid, "error": why} for sid, why in self.problems.items()],
            "distinctWords": self.distinct_words,
        }


def kind_of(word: WordReading) -> str | None:
    """Which list a word belongs to, or None for an ordinary dictionary word."""
    text = word.text
    if any(c.isdigit() for c in text):
        return "number"
    if not any(c.isalpha() for c in text):
        return "symbol"
    letters = text.rstrip(".")
    if (
        (text.endswith(".") and len(letters) <= 4)
        or (len(letters) >= 2 and letters.isupper())
        or text.casefold() in _UNITS
    ):
        return "abbreviation"
    if word.guessed:
        return "guessed"
    if word.readings >= 2:
        return "heteronym"
    return None


def review_project(
    project: Project,
    personal: Lexicon | None = None,
    phonemizer_for: Callable[[str], Phonemizer] | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Review:
    """The review of every scene. ``phonemizer_for`` makes a phonemizer for a voice language
    (default: misaki's, offline); ``progress(done, total)`` is called after each scene; once
    ``stop()`` says so, the review ends early with what it has (a window closing)."""
    made: dict[str, Phonemizer] = {}

    def phonemizer(lang: str) -> Phonemizer:
        if lang not in made:
            made[lang] = (phonemizer_for or _offline_phonemizer)(lang)
        return made[lang]

    entries: dict[tuple[str, str, str], ReviewEntry] = {}
    labels: dict[str, UnknownLabel] = {}
    problems: dict[str, str] = {}
    distinct: set[str] = set()
    direction = project.direction(personal)
    for done, scene in enumerate(project.scenes, 1):
        if stop():
            break
        for label in unknown_labels(scene.text, direction.cast_object().names()):
            found = labels.setdefault(label.casefold(), UnknownLabel(label))
            _count(found, scene)
        try:
            for word, sentence, voice in _scene_words(project, scene, direction, phonemizer):
                if stop():
                    break
                distinct.add(word.text.casefold())
                kind = kind_of(word)
                if kind is None:
                    continue
                key = (word.text.casefold(), kind, word.phonemes)
                entry = entries.get(key)
                if entry is None:
                    entry = entries[key] = ReviewEntry(
                        word.text, kind, word.phonemes, sentence=sentence, voice=voice
                    )
                    entry.reviewed = project.is_reviewed(word.text, word.phonemes)
                _count(entry, scene)
        except StudioError as exc:
            problems[scene.id] = exc.user_text()
        if progress is not None:
            progress(done, len(project.scenes))
    ordered = sorted(entries.values(), key=lambda e: (KINDS.index(e.kind), e.word.casefold()))
    return Review(ordered, list(labels.values()), problems, len(distinct))


def _count(found: ReviewEntry | UnknownLabel, scene: Scene) -> None:
    found.count += 1
    if scene.id not in found.scenes:
        found.scenes.append(scene.id)


def _scene_words(
    project: Project,
    scene: Scene,
    direction: Any,
    phonemizer: Callable[[str], Phonemizer],
) -> Iterator[tuple[WordReading, str, str]]:
    """Each word of an English-voiced passage of the scene as it will be read, with its
    sentence and voice."""
    voice = scene.voice_or(project.default_voice)
    plan = plan_read(scene.text, voice, project.scene_direction(scene, direction))
    for part in plan.parts:
        if not isinstance(part, Passage):
            continue
        lang = parse_voice(part.voice).lang
        if lang in "ab":
            yield from _passage_words(part, phonemizer(lang))


def _passage_words(part: Passage, reader: Phonemizer) -> Iterator[tuple[WordReading, str, str]]:
    """A passage's words, read a batch of sentences at a time: the phonemizer's tagger costs
    per call about as much as per word, so one call per sentence would double a book's time."""
    fixes = {(start, end): say for start, end, say in reading_fixes(part.text)}
    said: dict[str, str] = {}
    for first, last in _batches(part.sentences):
        overrides = []
        for r in part.respellings:
            if not first <= r.start < last:
                continue
            if r.phonemes is None and str(r.say) not in said:
                said[str(r.say)] = reader.phonemize(str(r.say))
            phonemes = r.phonemes if r.phonemes is not None else said[str(r.say)]
            overrides.append((r.start - first, r.end - first, phonemes))
            if fixes.get((r.start, r.end)) == r.say and r.phonemes is None:
                fixed = WordReading(part.text[r.start : r.end], phonemes, False, 0, False)
                yield fixed, _sentence_at(part, r.start), part.voice
        cursor = first
        text = part.text[first:last].replace("\n", " ")  # lines are not words (same offsets)
        for word in reader.word_readings(text, overrides):
            found = part.text.find(word.text.lstrip("$£€¥"), cursor, last)
            cursor = found if found >= 0 else cursor
            if not word.directed:
                yield word, _sentence_at(part, cursor), part.voice


def _batches(sentences: tuple[tuple[int, int], ...]) -> Iterator[tuple[int, int]]:
    """Consecutive sentences joined into spans of about _BATCH_CHARS characters."""
    start = end = None
    for first, last in sentences:
        if start is None:
            start = first
        elif end is not None and last - start > _BATCH_CHARS:
            yield start, end
            start = first
        end = last
    if start is not None and end is not None:
        yield start, end


def _sentence_at(part: Passage, index: int) -> str:
    for first, last in part.sentences:
        if first <= index < last:
            return part.text[first:last]
    return part.text


def _offline_phonemizer(lang: str) -> Phonemizer:
    return Phonemizer(lang, allow_downloads=False)
