"""Import an EPUB book: one scene per chapter, in reading order, titled from its table of contents.

ebooklib reads the package (spine, table of contents, metadata); lxml takes the text out of each
chapter's XHTML, a paragraph per block element, so headings and paragraphs stay separate sentences.
A chapter may be as long as it is: the engine reads a scene of any length.
A book locked by DRM (Adobe ADEPT, Apple FairPlay, or any other encryption of its text) cannot be
read, and says so; font obfuscation, which many DRM-free books use, is not DRM and is allowed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.errors import ErrorCode, StudioError
from studio.project.model import Scene

#: Encryption algorithms that only obfuscate embedded fonts (IDPF and Adobe): not DRM.
_FONT_OBFUSCATION = {
    "http://www.idpf.org/2008/embedding",
    "http://ns.adobe.com/pdf/enc#RC",
}
_DRM_FILES = {
    "META-INF/rights.xml": "Adobe DRM",
    "META-INF/sinf.xml": "Apple FairPlay DRM",
}
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "table",
        "figure",
        "figcaption",
        "hr",
    ]
)
_SKIPPED = frozenset(("script", "style", "head", "nav", "comment"))


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    scenes: list[Scene]
    narrator: str = ""  # a dc:contributor whose role is "nrt", where the book names one


def read_epub(path: Path) -> Book:
    """The book's title, author and one scene per chapter with text; a clear error otherwise."""
    _check_container(path)
    from ebooklib import epub

    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": False})
    except Exception as exc:  # ebooklib raises KeyError, lxml, zip and its own errors alike
        raise _corrupt(path, f"{type(exc).__name__}: {exc}") from exc
    titles = _toc_titles(book.toc)
    scenes: list[Scene] = []
    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or linear == "no" or not _is_chapter(item):
            continue
        paragraphs = _paragraphs(item.get_content())
        if not paragraphs:
            continue  # a cover picture, a blank page
        title = titles.get(item.file_name) or _first_heading(item.get_content())
        scenes.append(
            Scene(text="\n\n".join(paragraphs), title=title or f"Chapter {len(scenes) + 1}")
        )
    if not scenes:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"{path.name} has no chapter text to narrate.",
            "Check that it is a book of text, not only pictures.",
        )
    return Book(_metadata(book, "title"), _metadata(book, "creator"), scenes, _narrator_of(book))


def _check_container(path: Path) -> None:
    """Refuse what is not an EPUB, or is locked, before ebooklib sees it."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "META-INF/container.xml" not in names:
                raise _corrupt(path, "it has no META-INF/container.xml")
            for name, scheme in _DRM_FILES.items():
                if name in names:
                    raise _drm(path, scheme)
            if "META-INF/encryption.xml" in names:
                algorithms = set(
                    re.findall(rb'Algorithm="([^"]+)"', archive.read("META-INF/encryption.xml"))
                )
                data_algorithms = {a.decode() for a in algorithms} - _FONT_OBFUSCATION
                # the key-wrapping and cipher algorithms of real DRM (e.g. xmlenc#aes128-cbc)
                if any("xmlenc" in a or "aes" in a.lower() for a in data_algorithms):
                    raise _drm(path, "encryption")
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise _corrupt(path, "it is not a readable ZIP archive") from exc


def _is_chapter(item: Any) -> bool:
    import ebooklib
    from ebooklib import epub

    return item.get_type() == ebooklib.ITEM_DOCUMENT and not isinstance(item, epub.EpubNav)


def _toc_titles(toc: Any) -> dict[str, str]:
    """File name -> title, from a (nested) table of contents. A chapter's own entry wins over the
    part or section above it, which often points at its first chapter's file."""
    titles: dict[str, str] = {}
    for entry in toc:
        if isinstance(entry, tuple):  # (Section, [children])
            section, children = entry
            for name, title in _toc_titles(children).items():
                titles.setdefault(name, title)
            entry = section
        href = getattr(entry, "href", "") or ""
        title = getattr(entry, "title", "") or ""
        if href and title:
            titles.setdefault(href.split("#")[0], title)
    return titles


def _paragraphs(content: bytes) -> list[str]:
    """The chapter's text, a paragraph per block element (paragraph, heading, list item, div…),
    whitespace folded. Every text node is kept, also text not wrapped in a paragraph."""
    root = _parse(content)
    if root is None:
        return []
    for element in list(root.iter()):
        tag = _tag(element) if isinstance(element.tag, str) else "comment"
        if tag in _SKIPPED:
            if element.getparent() is not None:
                element.drop_tree()  # keeps the text that follows it
        elif tag in _BLOCKS or tag == "br":
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    body = root.find(".//body")
    text = (body if body is not None else root).text_content()
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _first_heading(content: bytes) -> str:
    root = _parse(content)
    if root is None:
        return ""
    for element in root.iter():
        if isinstance(element.tag, str) and _tag(element) in ("h1", "h2", "h3"):
            return " ".join("".join(element.itertext()).split())
    return ""


def _parse(content: bytes) -> Any:
    import lxml.html

    try:
        return lxml.html.fromstring(content) if content.strip() else None
    except Exception:  # lxml's ParserError: a chapter that is not HTML has no text for us
        return None


def _tag(element: Any) -> str:
    return str(element.tag).rsplit("}", 1)[-1].lower()


def _metadata(book: Any, name: str) -> str:
    values = book.get_metadata("DC", name)
    return str(values[0][0]).strip() if values else ""


def _narrator_of(book: Any) -> str:
    for value, attributes in book.get_metadata("DC", "contributor"):
        roles = {v for k, v in (attributes or {}).items() if k.endswith("role")}
        if "nrt" in roles:
            return str(value).strip()
    return ""


def _corrupt(path: Path, detail: str) -> StudioError:
    return StudioError(
        ErrorCode.INVALID_INPUT,
        f"{path.name} is not a readable EPUB: {detail}.",
        "Check the file (download it again, or export it again from the program that made it).",
    )


def _drm(path: Path, scheme: str) -> StudioError:
    return StudioError(
        ErrorCode.INVALID_INPUT,
        f"{path.name} is protected by {scheme}, so its text cannot be read.",
        "Import a DRM-free copy of the book (many stores offer one), or paste its text instead.",
    )
