"""Importing EPUB books: real files written with ebooklib, broken ones, and locked ones."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from ebooklib import epub

from studio.errors import ErrorCode, StudioError
from studio.project.epub_import import read_epub
from tests.conftest import run_cli

CHAPTERS = [
    ("The Harbour", "<h1>The Harbour</h1><p>The boats came home at dusk.</p><p>Gulls circled.</p>"),
    ("The Storm", "<h2>II</h2><div>Wind rose over the hills.<br/>Rain fell hard.</div>"),
    ("Morning", "<section><p>By morning the sky was clear.</p><!-- note --><p>Done.</p></section>"),
]


def make_book(path: Path, nested_toc: bool = False) -> Path:
    book = epub.EpubBook()
    book.set_identifier("book-1")
    book.set_title("A Small Book")
    book.set_language("en")
    book.add_author("Ann Author")
    cover = epub.EpubHtml(title="Cover", file_name="cover.xhtml", lang="en")
    cover.content = '<html><body><img src="cover.jpg" alt=""/></body></html>'
    items = []
    for number, (title, body) in enumerate(CHAPTERS):
        item = epub.EpubHtml(title=title, file_name=f"ch{number}.xhtml", lang="en")
        item.content = f"<html><head><style>p {{}}</style></head><body>{body}</body></html>"
        book.add_item(item)
        items.append(item)
    book.add_item(cover)
    book.toc = [(epub.Section("Part One"), items[:2]), items[2]] if nested_toc else list(items)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = [cover, "nav", *items]
    epub.write_epub(str(path), book)
    return path


@pytest.mark.parametrize("nested_toc", [False, True])
def test_one_scene_per_chapter_titled_from_the_contents(tmp_path: Path, nested_toc: bool) -> None:
    book = read_epub(make_book(tmp_path / "book.epub", nested_toc))
    assert (book.title, book.author) == ("A Small Book", "Ann Author")
    assert [s.title for s in book.scenes] == ["The Harbour", "The Storm", "Morning"]
    assert [s.text for s in book.scenes] == [
        "The Harbour\n\nThe boats came home at dusk.\n\nGulls circled.",
        "II\n\nWind rose over the hills.\n\nRain fell hard.",  # text outside <p> is kept
        "By morning the sky was clear.\n\nDone.",
    ]


def test_a_corrupt_file_is_refused_clearly(tmp_path: Path) -> None:
    good = make_book(tmp_path / "good.epub").read_bytes()
    cases = {
        "random.epub": b"this is not a book at all",
        "truncated.epub": good[: len(good) // 2],
    }
    no_container = tmp_path / "no-container.epub"
    with zipfile.ZipFile(no_container, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    for path in [tmp_path / name for name in cases] + [no_container]:
        with pytest.raises(StudioError) as caught:
            read_epub(path)
        assert caught.value.code is ErrorCode.INVALID_INPUT
        assert "is not a readable EPUB" in caught.value.message, path.name


ADEPT_ENCRYPTION = """<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
            xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
    <enc:CipherData><enc:CipherReference URI="EPUB/ch0.xhtml"/></enc:CipherData>
  </enc:EncryptedData>
</encryption>"""
FONT_OBFUSCATION = ADEPT_ENCRYPTION.replace(
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc", "http://www.idpf.org/2008/embedding"
).replace("EPUB/ch0.xhtml", "EPUB/font.otf")


def _with_extra(source: Path, target: Path, extra: dict[str, str]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info.filename))
        for name, text in extra.items():
            new.writestr(name, text)
    return target


def test_a_drm_protected_book_says_so(tmp_path: Path) -> None:
    book = make_book(tmp_path / "book.epub")
    locked = [
        _with_extra(book, tmp_path / "adept.epub", {"META-INF/encryption.xml": ADEPT_ENCRYPTION}),
        _with_extra(book, tmp_path / "rights.epub", {"META-INF/rights.xml": "<rights/>"}),
    ]
    for path in locked:
        with pytest.raises(StudioError) as caught:
            read_epub(path)
        assert "protected by" in caught.value.message and "DRM-free" in caught.value.hint
    fonts_only = _with_extra(
        book, tmp_path / "fonts.epub", {"META-INF/encryption.xml": FONT_OBFUSCATION}
    )
    assert len(read_epub(fonts_only).scenes) == 3  # obfuscated fonts are not DRM


def test_new_from_an_epub_and_bad_books_leave_no_project(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"}
    book = make_book(tmp_path / "book.epub")
    result = run_cli(["new", str(tmp_path / "novel"), "--from", str(book)], env)
    assert result.returncode == 0, result.stderr
    created = (tmp_path / "novel" / "project.json").read_text()
    assert '"title": "A Small Book"' in created and '"author": "Ann Author"' in created

    bad = _with_extra(book, tmp_path / "locked.epub", {"META-INF/rights.xml": "<rights/>"})
    result = run_cli(["new", str(tmp_path / "locked"), "--from", str(bad)], env)
    assert result.returncode == 3 and "protected by Adobe DRM" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "locked").exists()
