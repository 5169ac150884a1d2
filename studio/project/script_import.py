"""Turn a plain-text or Markdown script into scenes: a new scene at each heading and blank line.

A heading titles the paragraphs under it; other scenes are titled by their first words. A paragraph
longer than the per-request limit is split at sentence ends, never cut. Dialogue stays together:
paragraphs that start with a speaker line ('ALICE: Hello.') keep their line breaks, and
consecutive ones make one scene, so each speaker line still starts a line for the cast.
"""

from __future__ import annotations

import re

from studio.project.model import Scene
from studio.speech.text import MAX_TEXT_CHARS, split_sentences

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
#: A line that looks like a speaker's: a short capitalized name, a colon, then speech.
_SPEAKER_LINE = re.compile(r"^\s*[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,2}:\s+\S")
_TITLE_WORDS = 6


def scenes_from_script(script: str) -> list[Scene]:
    scenes: list[Scene] = []
    heading: str | None = None
    heading_uses = 0
    for block in _dialogue_together(_blocks(script)):
        match = _HEADING.match(block)
        if match:
            heading, heading_uses = match.group(1).strip(), 0
            continue
        if is_dialogue(block):
            text = "\n".join(line.strip() for line in block.splitlines())
            parts = _lines_within_limit(text)
        else:
            parts = _within_limit(" ".join(line.strip() for line in block.splitlines()))
        for part in parts:
            heading_uses += 1
            if heading:
                title = heading if heading_uses == 1 else f"{heading} ({heading_uses})"
            else:
                title = _first_words(part)
            scenes.append(Scene(text=part, title=title))
    return scenes


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


def _within_limit(text: str) -> list[str]:
    if len(text) <= MAX_TEXT_CHARS:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if current and len(current) + 1 + len(sentence) > MAX_TEXT_CHARS:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    parts.append(current)
    return parts


def _lines_within_limit(text: str) -> list[str]:
    """Dialogue over the limit is split between lines, so speaker lines stay whole."""
    if len(text) <= MAX_TEXT_CHARS:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        if current and len(current) + 1 + len(line) > MAX_TEXT_CHARS:
            parts.append(current.strip("\n"))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    parts.append(current.strip("\n"))
    return [
        p for part in parts for p in (_within_limit(part) if len(part) > MAX_TEXT_CHARS else [part])
    ]


def _first_words(text: str) -> str:
    words = re.findall(r"[\w'’-]+", text)
    title = " ".join(words[:_TITLE_WORDS])
    return title + ("…" if len(words) > _TITLE_WORDS else "")
