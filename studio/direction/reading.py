"""English reading rules that misaki gets wrong, as respellings of spans of the text.

misaki reads most numbers and symbols well (3,497; $12.50; 1990s; 50%; 1st; Dr.; a.m.). These
it does not, checked against misaki 0.9.4 (tests/direction/test_reading.py):

- clock times: '10:30' became "ten:thirty" (a pause inside), '10:05' "ten:zero five";
- fractions: '1/2' became "one two";
- 'St.' was always "Saint", with a full stop after it: 'Main St.' is a street;
- phone numbers: '555-1234' became "five hundred fifty fivetwelve thirty four";
- decimals ending in zero: '2.0' became "two", dropping ".0" (a silently lost word).

Each rule returns (start, end, respelling) spans; the respelling is phonemized like a lexicon
entry's, so the word as written keeps its timing. Lexicon entries and inline pronunciations win.
"""

from __future__ import annotations

import re

#: Bump when a rule changes what is said, so that renders using the rules are made again.
READING_VERSION = 1

_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_CLOCK = re.compile(
    r"(?<![\w:.,])(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?![\w:]|[.,]\d)"
    r"(?P<meridiem>\s*[ap]\.?\s?m\b\.?)?",
    re.IGNORECASE,
)
_FRACTION = re.compile(r"(?<![\w/.,])(?P<top>[1-9])/(?P<bottom>[2-9]|10)(?![\w/]|[.,]\d)")
_DENOMINATORS = {
    2: ("half", "halves"),
    3: ("third", "thirds"),
    4: ("quarter", "quarters"),
    5: ("fifth", "fifths"),
    6: ("sixth", "sixths"),
    7: ("seventh", "sevenths"),
    8: ("eighth", "eighths"),
    9: ("ninth", "ninths"),
    10: ("tenth", "tenths"),
}
_SAINT_OR_STREET = re.compile(r"(?<!\w)St\.")
_CAPITALIZED_BEFORE = re.compile(r"[A-Z][\w'’]*\s+$")
_PHONE = re.compile(r"(?<![\w-])(?:\(\d{3}\)\s?|\d{3}-)?\d{3}-\d{4}(?![\w-])")
_DECIMAL_ZERO = re.compile(r"(?<![\w.,$£€¥])(?P<whole>\d+)\.(?P<part>\d*0)(?![\w.,]|\.\d)")


def reading_fixes(text: str) -> list[tuple[int, int, str]]:
    """Spans of ``text`` that misaki misreads, each with how to say it; sorted, not overlapping."""
    found: list[tuple[int, int, str]] = []
    for rule in (_clock_times, _fractions, _saints_and_streets, _phone_numbers, _decimals):
        for start, end, say in rule(text):
            if all(end <= s or start >= e for s, e, _ in found):
                found.append((start, end, say))
    return sorted(found)


def _clock_times(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in _CLOCK.finditer(text):
        hour, minute = int(match.group("hour")), match.group("minute")
        if minute == "00":
            said = f"{hour}" if match.group("meridiem") else f"{hour} o'clock"
        elif minute.startswith("0"):
            said = f"{hour} oh {minute[1]}"
        else:
            said = f"{hour} {minute}"
        spans.append((match.start(), match.end("minute"), said))
    return spans


def _fractions(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in _FRACTION.finditer(text):
        top, bottom = int(match.group("top")), int(match.group("bottom"))
        if top >= bottom:
            continue  # '5/3' is more likely a date or a score than a fraction
        one, many = _DENOMINATORS[bottom]
        spans.append((match.start(), match.end(), f"{_DIGITS[top]} {one if top == 1 else many}"))
    return spans


def _saints_and_streets(text: str) -> list[tuple[int, int, str]]:
    """'St.' after a capitalized word is a street (Main St.); before a name, a saint."""
    spans = []
    for match in _SAINT_OR_STREET.finditer(text):
        after = text[match.end() :]
        street = bool(_CAPITALIZED_BEFORE.search(text[: match.start()])) or not re.match(
            r"\s+[A-Z]", after
        )
        word = "Street" if street else "Saint"
        ends_sentence = street and (not after.strip() or after[:1] == "\n")
        spans.append((match.start(), match.end(), word + ("." if ends_sentence else "")))
    return spans


def _phone_numbers(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in _PHONE.finditer(text):
        groups = re.findall(r"\d+", match.group())
        said = ", ".join(" ".join(_DIGITS[int(d)] for d in group) for group in groups)
        spans.append((match.start(), match.end(), said))
    return spans


def _decimals(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in _DECIMAL_ZERO.finditer(text):
        digits = " ".join(_DIGITS[int(d)] for d in match.group("part"))
        spans.append((match.start(), match.end(), f"{match.group('whole')} point {digits}"))
    return spans
