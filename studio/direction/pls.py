"""W3C Pronunciation Lexicon Specification (PLS 1.0) files: import and export.

A PLS file is a ``<lexicon>`` of ``<lexeme>``s, each with ``<grapheme>``s (the word) and either
a ``<phoneme>`` (in the lexicon's ``alphabet``; we read and write IPA, which is how the model's
own notation is written) or an ``<alias>`` (a respelling). ElevenLabs and other tools exchange
pronunciation dictionaries in it. PLS has no notion of case; entries that are case-sensitive
carry ``ns:case-sensitive="true"`` in our own namespace, which other tools ignore, and entries
in another language than the file's carry ``ns:language``. Reading uses defusedxml: no entity
expansion, no external references. A file with any bad lexeme is refused as a whole, naming it.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from studio.direction.lexicon import DEFAULT_LANGUAGE, LANGUAGE_CODES, LexiconEntry
from studio.errors import ErrorCode, StudioError, io_error
from studio.fsutil import atomic_write

PLS_NS = "http://www.w3.org/2005/01/pronunciation-lexicon"
STUDIO_NS = "https://narration-studio.app/pls"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ALPHABETS = frozenset({"ipa", "x-kokoro", "x-misaki"})
_XML_LANGS = {"en": "en-US", "pt": "pt-BR", "fr": "fr-FR", "zh": "zh-CN"}
MAX_PLS_BYTES = 16 << 20


def read_pls(path: Path) -> list[LexiconEntry]:
    """The entries of a PLS file, or a StudioError naming what is wrong (nothing is changed)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise StudioError(
            ErrorCode.INVALID_INPUT, f"No lexicon file at {path}.", "Check the path."
        ) from exc
    except OSError as exc:
        raise io_error("read", path, exc) from exc
    return parse_pls(data, str(path))


def parse_pls(data: bytes, name: str = "the lexicon") -> list[LexiconEntry]:
    import defusedxml.ElementTree as SafeTree
    from defusedxml import DefusedXmlException

    if len(data) > MAX_PLS_BYTES:
        raise _bad(name, f"it is larger than {MAX_PLS_BYTES >> 20} MiB")
    try:
        root = SafeTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise _bad(name, f"it uses XML features a lexicon never needs ({exc})") from exc
    except ElementTree.ParseError as exc:
        raise _bad(name, f"it is not well-formed XML ({exc})") from exc
    if root.tag != f"{{{PLS_NS}}}lexicon":
        raise _bad(name, f"its root is <{_local(root.tag)}>, not a PLS <lexicon>")
    alphabet = root.get("alphabet", "ipa").lower()
    language = _language(root.get(XML_LANG), name)
    entries: list[LexiconEntry] = []
    for number, lexeme in enumerate(root.iter(f"{{{PLS_NS}}}lexeme"), 1):
        try:
            entries.extend(_entries(lexeme, alphabet, language, name))
        except StudioError as exc:
            raise _bad(name, f"lexeme {number}: {exc.message}") from exc
    return entries


def _entries(
    lexeme: ElementTree.Element, alphabet: str, language: str, name: str
) -> list[LexiconEntry]:
    words = [(g.text or "").strip() for g in lexeme.findall(f"{{{PLS_NS}}}grapheme")]
    words = [w for w in words if w]
    if not words:
        raise StudioError(ErrorCode.INVALID_INPUT, "it has no <grapheme>")
    phoneme = lexeme.find(f"{{{PLS_NS}}}phoneme")
    alias = lexeme.find(f"{{{PLS_NS}}}alias")
    say = ipa = None
    if phoneme is not None and (phoneme.text or "").strip():
        own = phoneme.get("alphabet", alphabet).lower()
        if own not in _ALPHABETS:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"its phonemes are in the alphabet '{own}'; only IPA is understood",
            )
        ipa = (phoneme.text or "").strip()
    elif alias is not None and (alias.text or "").strip():
        say = (alias.text or "").strip()
    else:
        raise StudioError(ErrorCode.INVALID_INPUT, f"'{words[0]}' has no <phoneme> or <alias>")
    case = lexeme.get(f"{{{STUDIO_NS}}}case-sensitive", "false").lower() == "true"
    own_language = lexeme.get(f"{{{STUDIO_NS}}}language") or language
    if own_language not in LANGUAGE_CODES:
        own_language = _language(own_language, name)
    return [LexiconEntry(word, say, ipa, case, own_language) for word in words]


def write_pls(entries: list[LexiconEntry], path: Path) -> None:
    """Write ``entries`` as a PLS 1.0 file, atomically."""
    atomic_write(Path(path), pls_bytes(entries))


def pls_bytes(entries: list[LexiconEntry]) -> bytes:
    ElementTree.register_namespace("", PLS_NS)
    ElementTree.register_namespace("ns", STUDIO_NS)
    languages = [e.language for e in entries] or [DEFAULT_LANGUAGE]
    main = max(set(languages), key=languages.count)
    root = ElementTree.Element(
        f"{{{PLS_NS}}}lexicon",
        {"version": "1.0", "alphabet": "ipa", XML_LANG: _XML_LANGS.get(main, main)},
    )
    for entry in entries:
        lexeme = ElementTree.SubElement(root, f"{{{PLS_NS}}}lexeme")
        if entry.case_sensitive:
            lexeme.set(f"{{{STUDIO_NS}}}case-sensitive", "true")
        if entry.language != main:
            lexeme.set(f"{{{STUDIO_NS}}}language", entry.language)
        ElementTree.SubElement(lexeme, f"{{{PLS_NS}}}grapheme").text = entry.word
        tag = "phoneme" if entry.ipa is not None else "alias"
        ElementTree.SubElement(lexeme, f"{{{PLS_NS}}}{tag}").text = entry.pronunciation
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _language(xml_lang: str | None, name: str) -> str:
    """The lexicon language of an xml:lang such as 'en-US' (none: English)."""
    if not xml_lang:
        return DEFAULT_LANGUAGE
    primary = xml_lang.split("-")[0].split("_")[0].lower()
    if primary not in LANGUAGE_CODES:
        raise _bad(
            name,
            f"its language '{xml_lang}' has no voices here (languages: {', '.join(LANGUAGE_CODES)})",
        )
    return primary


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _bad(name: str, detail: str) -> StudioError:
    return StudioError(
        ErrorCode.INVALID_INPUT,
        f"Cannot import {name}: {detail}.",
        "Nothing was imported. Fix the file (a W3C PLS 1.0 lexicon) and try again.",
    )
