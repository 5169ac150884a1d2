"""Turn a plain-text or Markdown script into scenes: a new scene at each heading and blank line.

A heading titles the paragraphs under it; other scenes are titled by their first words. A paragraph
longer than the per-request limit is split at sentence ends, never cut.
"""

from __future__ import annotations

import re

from studio.project import Scene
from studio.text import MAX_TEXT_CHARS, split_sentences

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_TITLE_WORDS = 6


def scenes_from_script(script: str) -> list[Scene]:
    scenes: list[Scene] = []
    heading: str | None = None
    heading_uses = 0
    for block in _blocks(script):
        match = _HEADING.match(block)
        if match:
            heading, heading_uses = match.group(1).strip(), 0
            continue
        text = " ".join(line.strip() for line in block.splitlines())
        for part in _within_limit(text):
            heading_uses += 1
            if heading:
                title = heading if heading_uses == 1 else f"{heading} ({heading_uses})"
            else:
                title = _first_words(part)
            scenes.append(Scene(text=part, title=title))
    return scenes


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


def _first_words(text: str) -> str:
    words = re.findall(r"[\w'’-]+", text)
    title = " ".join(words[:_TITLE_WORDS])
    return title + ("…" if len(words) > _TITLE_WORDS else "")
