"""Turn a plain-text or Markdown script into scenes, as the writer structured it.

A script with headings becomes one scene per heading, titled by it, with its paragraphs kept
together (a blank line between them): a chapter stays one scene however long. A script without
headings becomes a scene per paragraph, titled by its first words; a paragraph over
``LONG_SCENE_CHARS`` becomes several scenes, split at sentence ends, never cut. Dialogue keeps
its line breaks, so each speaker line ('ALICE: Hello.') still starts a line for the cast, and
consecutive dialogue paragraphs make one scene.
"""

from __future__ import annotations

import re

from studio.project.file_model import LONG_SCENE_CHARS
from studio.project.model import Scene
from studio.speech.text import split_sentences

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
#: A line that looks like a speaker's: a short capitalized name, a colon, then speech.
_SPEAKER_LINE = re.compile(r"^\s*[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,2}:\s+\S")
_TITLE_WORDS = 6


def scenes_from_script(script: str) -> list[Scene]:
    blocks = _blocks(script)
    if any(_HEADING.match(block) for block in blocks):
        return _scenes_by_heading(blocks)
    scenes: list[Scene] = []
    for block in _dialogue_together(blocks):
        if is_dialogue(block):
            parts = _lines_within_long_scene(_paragraph_text(block))
        else:
            parts = _within_long_scene(_paragraph_text(block))
        scenes.extend(Scene(text=part, title=_first_words(part)) for part in parts)
    return scenes


def _scenes_by_heading(blocks: list[str]) -> list[Scene]:
    """One scene per heading with text under it; text before the first heading makes a scene
    titled by its first words. A heading with nothing under it (a part title right above a
    chapter's) makes no empty scene."""
    scenes: list[Scene] = []
    heading: str | None = None
    paragraphs: list[str] = []

    def close_section() -> None:
        if paragraphs:
            text = "\n\n".join(paragraphs)
            scenes.append(Scene(text=text, title=heading or _first_words(text)))

    for block in blocks:
        match = _HEADING.match(block)
        if match:
            close_section()
            heading, paragraphs = match.group(1).strip(), []
        else:
            paragraphs.append(_paragraph_text(block))
    close_section()
    return scenes


def _paragraph_text(block: str) -> str:
    """A paragraph as the scene holds it: dialogue keeps its lines (each speaker line starts
    one), prose is joined into one line."""
    lines = [line.strip() for line in block.splitlines()]
    return "\n".join(lines) if is_dialogue(block) else " ".join(lines)


def is_dialogue(block: str) -> bool:
    return bool(_SPEAKER_LINE.match(block))


def _dialogue_together(blocks: list[str]) -> list[str]:
    """Consecutive paragraphs that start with a speaker line, joined (a blank line between)."""
    joined: list[str] = []
    for block in blocks:
        if joined and is_dialogue(block) and is_dialogue(joined[-1]):
            joined[-1] += "\n\n" + block
        else:
            joined.append(block)
    return joined


def _blocks(script: str) -> list[str]:
    """Paragraphs split at blank lines, with headings split off as blocks of their own."""
    blocks: list[str] = []
    current: list[str] = []
    for line in script.replace("\r\n", "\n").split("\n"):
        if not line.strip() or _HEADING.match(line):
            if current:
                blocks.append("\n".join(current))
                current = []
            if line.strip():
                blocks.append(line)
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _within_long_scene(text: str) -> list[str]:
    if len(text) <= LONG_SCENE_CHARS:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if current and len(current) + 1 + len(sentence) > LONG_SCENE_CHARS:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    parts.append(current)
    return parts


def _lines_within_long_scene(text: str) -> list[str]:
    """Long dialogue is split between lines, so speaker lines stay whole."""
    if len(text) <= LONG_SCENE_CHARS:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        if current and len(current) + 1 + len(line) > LONG_SCENE_CHARS:
            parts.append(current.strip("\n"))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    parts.append(current.strip("\n"))
    return [
        p
        for part in parts
        for p in (_within_long_scene(part) if len(part) > LONG_SCENE_CHARS else [part])
    ]


def _first_words(text: str) -> str:
    words = re.findall(r"[\w'’-]+", text)
    title = " ".join(words[:_TITLE_WORDS])
    return title + ("…" if len(words) > _TITLE_WORDS else "")
