"""A read plan: the text as written, turned into what the engine voices, in order.

``plan_read`` parses the inline grammar, gives each speaker's lines their cast voice, finds the
lexicon entries and reading fixes that apply (per language of the voice speaking), and splits
speech into sentences. It is pure: phonemes are checked against the model's symbols when the
caller passes them, and respellings are left for the engine to phonemize. The plan also says
which lexicon entries and cast members the text uses: the render cache keys on exactly those.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace

from studio.direction.cast import Cast
from studio.direction.grammar import (
    DirectionError,
    Pause,
    Speech,
    parse,
    position,
    quoted_spans,
    unknown_labels,
)
from studio.direction.lexicon import (
    LexiconEntry,
    check_phonemes,
    find_matches,
    language_of_voice,
)
from studio.direction.reading import reading_fixes
from studio.errors import StudioError
from studio.speech.text import split_sentences
from studio.speech.voices import parse_voice


@dataclass(frozen=True)
class Direction:
    """What directs a read besides its text: the lexicon entries in force (project entries
    before personal ones: see lexicon.merged) and the cast (speaker name → voice)."""

    lexicon: tuple[LexiconEntry, ...] = ()
    cast: tuple[tuple[str, str], ...] = ()
    #: Speaker labels the cast does not know are not spoken (a project's scenes: the review
    #: lists them instead).
    silent_labels: bool = False
    #: The voice of quoted speech in narration ("…", “…”, «…»); None reads it as narration.
    dialogue_voice: str | None = None

    @classmethod
    def of(
        cls,
        lexicon: Iterable[LexiconEntry] = (),
        cast: Cast | None = None,
        silent_labels: bool = False,
        dialogue_voice: str | None = None,
    ) -> Direction:
        members = tuple(cast.members.items()) if cast is not None else ()
        return cls(tuple(lexicon), members, silent_labels, dialogue_voice or None)

    def cast_object(self) -> Cast:
        return Cast(dict(self.cast))

    def fingerprint(self) -> str:
        """Changes whenever the direction does: for caches of heard audio."""
        payload = json.dumps(
            [
                [e.to_json() for e in self.lexicon],
                list(self.cast),
                self.silent_labels,
                self.dialogue_voice,
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Respelling:
    """Say ``passage.text[start:end]`` with these phonemes, or as this respelling sounds."""

    start: int
    end: int
    phonemes: str | None
    say: str | None
    what: str  # names it in errors: "the lexicon entry for 'Nguyen'"


@dataclass(frozen=True)
class Passage:
    """Speech in one voice: its sentences (spans of ``speech.text``) and respellings."""

    voice: str
    speech: Speech
    sentences: tuple[tuple[int, int], ...]
    respellings: tuple[Respelling, ...] = ()

    @property
    def text(self) -> str:
        return self.speech.text

    @property
    def speaker(self) -> str | None:
        return self.speech.speaker

    def source_span(self) -> tuple[int, int]:
        return self.speech.source_span(0, len(self.speech.text))


@dataclass(frozen=True)
class Silence:
    """A pause tag: ``seconds`` of silence; ``start``–``end`` is the tag in the text."""

    seconds: float
    start: int
    end: int


Part = Passage | Silence


@dataclass(frozen=True)
class ReadPlan:
    parts: tuple[Part, ...]
    entries_used: tuple[LexiconEntry, ...] = ()
    cast_used: tuple[tuple[str, str], ...] = ()
    voices: tuple[str, ...] = field(default=())
    #: Whether an English reading fix (studio.direction.reading) applies: its audio then
    #: depends on READING_VERSION.
    uses_reading_fixes: bool = False
    #: Unknown speaker labels left unspoken (Direction.silent_labels), in order.
    silenced_labels: tuple[str, ...] = ()
    #: The dialogue voice, when some quoted speech is read in it.
    dialogue_used: str | None = None

    def starting_at(self, index: int, sentences: int | None = None) -> ReadPlan:
        """The plan from the sentence (or pause) at ``index`` of the text as written onwards;
        only ``sentences`` sentences of it (pauses between them kept) when given."""
        parts: list[Part] = []
        left = sentences
        for part in self.parts:
            if left is not None and left <= 0:
                break
            if isinstance(part, Silence):
                if part.end > index:
                    parts.append(part)
                continue
            kept = tuple(
                (start, end)
                for start, end in part.sentences
                if part.speech.source_span(start, end)[1] > index
            )
            if left is not None:
                kept, left = kept[:left], left - len(kept[:left])
            if kept:
                parts.append(replace(part, sentences=kept))
        while parts and isinstance(parts[-1], Silence) and sentences is not None:
            parts.pop()
        voices = tuple(dict.fromkeys(p.voice for p in parts if isinstance(p, Passage)))
        return replace(self, parts=tuple(parts), voices=voices)


def plan_read(
    text: str,
    voice: str,
    direction: Direction | None = None,
    symbols: Collection[str] | None = None,
) -> ReadPlan:
    """The plan for ``text`` read by ``voice`` (the scene's), or a StudioError naming the line
    and column of a malformed tag, an unknown phoneme symbol or a cast member without voice."""
    direction = direction or Direction()
    cast = direction.cast_object()
    parts: list[Part] = []
    entries_used: dict[tuple[str, str], LexiconEntry] = {}
    cast_used: dict[str, str] = {}
    voices: dict[str, None] = {}
    fixed = False
    silenced = unknown_labels(text, cast.names()) if direction.silent_labels else []
    dialogue_used = None
    for parsed in parse(text, cast.names(), direction.silent_labels):
        if isinstance(parsed, Pause):
            parts.append(Silence(parsed.seconds, parsed.start, parsed.end))
            continue
        for segment, quoted in _with_quotes(parsed, direction.dialogue_voice):
            speaker_voice = voice
            if segment.speaker is not None:
                speaker_voice = _cast_voice(text, cast, segment)
                cast_used[segment.speaker] = speaker_voice
            elif quoted and direction.dialogue_voice:
                speaker_voice = dialogue_used = direction.dialogue_voice
            passage, fixes = _passage(
                text, segment, speaker_voice, direction, symbols, entries_used
            )
            fixed = fixed or fixes
            if passage is not None:
                voices[passage.voice] = None
                parts.append(passage)
    return ReadPlan(
        tuple(parts),
        tuple(entries_used.values()),
        tuple(cast_used.items()),
        tuple(voices),
        fixed,
        tuple(silenced),
        dialogue_used,
    )


def _with_quotes(speech: Speech, dialogue_voice: str | None) -> list[tuple[Speech, bool]]:
    """Narration cut at its quotation marks when quoted speech has a voice of its own:
    (piece, is quoted) in order. Speaker lines and other reads stay whole."""
    if speech.speaker is not None or not dialogue_voice:
        return [(speech, False)]
    pieces: list[tuple[Speech, bool]] = []
    cursor = 0
    for start, end in [*quoted_spans(speech.text), (len(speech.text), len(speech.text))]:
        for a, b, quoted in ((cursor, start, False), (start, end, True)):
            if b > a:
                said = tuple(
                    replace(x, start=x.start - a, end=x.end - a)
                    for x in speech.said
                    if a <= x.start and x.end <= b
                )
                piece = Speech(None, speech.text[a:b], speech.offsets[a:b], said)
                pieces.append((piece, quoted))
        cursor = end
    return pieces


def _passage(
    text: str,
    segment: Speech,
    speaker_voice: str,
    direction: Direction,
    symbols: Collection[str] | None,
    entries_used: dict[tuple[str, str], LexiconEntry],
) -> tuple[Passage | None, bool]:
    """One voice's passage (None when it has nothing to say), and whether a reading fix applies."""
    fixed = False
    language = language_of_voice(parse_voice(speaker_voice).lang)
    respellings = _said(text, segment, symbols)
    taken = [(r.start, r.end) for r in respellings]
    entries = [e for e in direction.lexicon if e.language == language]
    for match in find_matches(segment.text, entries, taken):
        entry = match.entry
        what = f"the lexicon entry for '{entry.word}'"
        if entry.ipa is not None and symbols is not None:
            check_phonemes(entry.ipa, symbols, what)
        respellings.append(Respelling(match.start, match.end, entry.ipa, entry.say, what))
        entries_used.setdefault(entry.key, entry)
        taken.append((match.start, match.end))
    if language == "en":
        for start, end, say in reading_fixes(segment.text):
            if all(end <= s or start >= e for s, e in taken):
                fixed = True
                respellings.append(
                    Respelling(start, end, None, say, f"'{segment.text[start:end]}'")
                )
    respellings.sort(key=lambda r: r.start)
    sentences = _sentences(segment.text, respellings)
    if not sentences:
        return None, fixed
    return Passage(speaker_voice, segment, sentences, tuple(respellings)), fixed


def _cast_voice(text: str, cast: Cast, speech: Speech) -> str:
    try:
        return cast.voice_of(speech.speaker or "")
    except StudioError as exc:
        at = speech.offsets[0] if speech.offsets else 0
        line_start = text.rfind("\n", 0, at) + 1
        name_at = line_start + len(text[line_start:]) - len(text[line_start:].lstrip(" \t"))
        line, column = position(text, name_at)
        raise DirectionError(line, column, exc.message, exc.hint) from exc


def _said(text: str, speech: Speech, symbols: Collection[str] | None) -> list[Respelling]:
    found = []
    for said in speech.said:
        word = speech.text[said.start : said.end]
        if symbols is not None:
            try:
                check_phonemes(said.phonemes, symbols, f"'{word}'")
            except StudioError as exc:
                line, column = position(text, said.source)
                raise DirectionError(line, column, exc.message, exc.hint) from exc
        found.append(Respelling(said.start, said.end, said.phonemes, None, f"'{word}'"))
    return found


def _sentences(text: str, respellings: list[Respelling]) -> tuple[tuple[int, int], ...]:
    """Sentence spans of ``text``; sentences that a respelled phrase spans are joined."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:  # cannot happen: split_sentences keeps every character, in order
            start = cursor
        end = start + len(sentence)
        cursor = end
        if spans and any(r.start < spans[-1][1] < r.end for r in respellings):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return tuple(spans)
