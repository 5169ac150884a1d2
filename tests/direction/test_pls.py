"""PLS files: the export reads back as the same entries, other tools' files import, and bad
files are refused whole with a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.direction.lexicon import Lexicon, LexiconEntry
from studio.direction.pls import parse_pls, read_pls, write_pls
from studio.errors import ErrorCode, StudioError

ENTRIES = [
    LexiconEntry("Worcester", ipa="wˈʊstəɹ"),
    LexiconEntry("Nguyen", say="win", case_sensitive=True),
    LexiconEntry("New York", say="noo york"),
    LexiconEntry("Paris", ipa="paʁi", language="fr"),
]


def test_export_then_import_gives_identical_entries(tmp_path: Path) -> None:
    path = tmp_path / "names.pls"
    write_pls(ENTRIES, path)
    assert read_pls(path) == ENTRIES
    text = path.read_text(encoding="utf-8")
    assert 'xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"' in text
    assert "<alias>win</alias>" in text and "<phoneme>wˈʊstəɹ</phoneme>" in text


def test_a_pls_file_from_another_tool_imports() -> None:
    data = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="en-GB">
  <lexeme><grapheme>tomato</grapheme><grapheme>Tomato</grapheme><phoneme>təmˈɑːtO</phoneme></lexeme>
  <lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>
</lexicon>""".encode()
    entries = parse_pls(data)
    assert [(e.word, e.pronunciation, e.language) for e in entries] == [
        ("tomato", "təmˈɑːtO", "en"),
        ("Tomato", "təmˈɑːtO", "en"),
        ("W3C", "World Wide Web Consortium", "en"),
    ]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<lexicon", "not well-formed XML"),
        (b"<html xmlns='x'/>", "not a PLS <lexicon>"),
        (
            b'<!DOCTYPE l [<!ENTITY a "aaaa">]><lexicon xmlns="http://www.w3.org/2005/01/'
            b'pronunciation-lexicon"><lexeme><grapheme>&a;</grapheme><alias>b</alias></lexeme>'
            b"</lexicon>",
            "XML features a lexicon never needs",
        ),
        (
            b'<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="x-sampa">'
            b"<lexeme><grapheme>a</grapheme><phoneme>{</phoneme></lexeme></lexicon>",
            "lexeme 1: its phonemes are in the alphabet 'x-sampa'",
        ),
        (
            b'<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">'
            b"<lexeme><grapheme>ok</grapheme><alias>fine</alias></lexeme>"
            b"<lexeme><grapheme>bad</grapheme></lexeme></lexicon>",
            "lexeme 2: 'bad' has no <phoneme> or <alias>",
        ),
    ],
)
def test_malformed_pls_is_refused_whole(data: bytes, words: str) -> None:
    with pytest.raises(StudioError) as caught:
        parse_pls(data, "names.pls")
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert words in caught.value.message and "Nothing was imported" in caught.value.hint


def test_importing_entries_with_an_unknown_symbol_adds_none() -> None:
    lexicon = Lexicon([LexiconEntry("Keep", say="keep")])
    symbols = frozenset("wˈʊstəɹ")
    with pytest.raises(StudioError, match="'g' \\(U\\+0067\\)"):
        lexicon.add_checked(
            [LexiconEntry("Worcester", ipa="wˈʊstəɹ"), LexiconEntry("g", ipa="g")], symbols
        )
    assert [e.word for e in lexicon] == ["Keep"]
