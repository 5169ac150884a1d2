"""Highlighting in the scene editor: direction tags, cast speaker names, speaker labels the cast
does not know (struck through and wavy-underlined: they are not spoken), words that have a
lexicon entry, and a malformed tag (with its reason as the editor's tooltip)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from studio.direction.grammar import DirectionError, parse, speaker_at, unknown_label_at
from studio.direction.lexicon import LexiconEntry

_TAG = re.compile(r"(?<!\\)\[\s*pause\b[^\]\n]*\]|(?<!\\)\[[^\[\]\\\n]+\]\(/[^/\n()]*/\)", re.I)


def _format(color: str, bold: bool = False, underline: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    if underline:
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
        fmt.setUnderlineColor(QColor(color))
    return fmt


class DirectionHighlighter(QSyntaxHighlighter):
    """Colours the editor's text; ``update_direction`` after the lexicon or cast changes."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.tag_format = _format("#7a4cc2")
        self.speaker_format = _format("#0b6e75", bold=True)
        self.word_format = _format("#1f5fa8", underline=True)
        self.error_format = QTextCharFormat()
        self.error_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        self.error_format.setUnderlineColor(QColor("#c62828"))
        self.unknown_label_format = _format("#8a6d00")
        self.unknown_label_format.setFontStrikeOut(True)
        self.unknown_label_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        self.unknown_label_format.setUnderlineColor(QColor("#c68a00"))
        self._names: tuple[str, ...] = ()
        self._words: list[re.Pattern[str]] = []
        self.problem: DirectionError | None = None
        document.contentsChange.connect(lambda *_args: self._check())

    def update_direction(self, entries: Iterable[LexiconEntry], names: Iterable[str]) -> None:
        self._words = [entry.pattern() for entry in entries]
        self._names = tuple(names)
        self._check()
        self.rehighlight()

    def _check(self) -> None:
        before = self.problem.message if self.problem else None
        try:
            parse(self.document().toPlainText(), self._names)
        except DirectionError as exc:
            self.problem = exc
        else:
            self.problem = None
        if (self.problem.message if self.problem else None) != before:
            QTimer.singleShot(0, self.rehighlight)  # not while Qt is still applying the edit

    def highlightBlock(self, text: str) -> None:
        block = self.currentBlock().blockNumber() + 1
        speaker = speaker_at(text, self._names) if self._names else None
        if speaker:
            self.setFormat(0, speaker[1], self.speaker_format)
        unknown = None if speaker else unknown_label_at(text, self._names)
        if unknown:
            self.setFormat(0, unknown[1], self.unknown_label_format)
        for pattern in self._words:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), self.word_format)
        for match in _TAG.finditer(text):
            self.setFormat(match.start(), match.end() - match.start(), self.tag_format)
        problem = self.problem
        if problem is not None and problem.line == block:
            start = problem.column - 1
            end = text.find("]", start)
            length = (end + 1 if end >= 0 else len(text)) - start
            self.setFormat(start, max(1, length), self.error_format)
