"""Phonemes as a reader would say them back: 'kˈɔɹvæθ' → 'KOR-vath'.

A pronunciation review shows each reading twice: as the model's phonemes (exact, for the
lexicon) and as a respelling that a narrator reads at a glance, in the style dictionaries use
for names (stressed syllable in capitals, syllables joined by hyphens). It covers the phonemes
of Kokoro's English voices (misaki's symbols: A I O W Y for the diphthongs, T for the flap);
a symbol it does not know is kept as it is, never dropped.
"""

from __future__ import annotations

import re

#: Vowels and diphthongs, longest first where one symbol starts another.
_VOWELS = {
    "ɜɹ": "ur",
    "ɔɹ": "or",
    "ɑɹ": "ar",
    "ɛɹ": "air",
    "ɪɹ": "eer",
    "ʊɹ": "oor",
    "əɹ": "er",
    "A": "ay",
    "I": "eye",
    "O": "oh",
    "Q": "oh",
    "W": "ow",
    "Y": "oy",
    "æ": "a",
    "ɑ": "ah",
    "ɒ": "o",
    "ɔ": "aw",
    "ə": "uh",
    "ᵊ": "uh",
    "ɐ": "uh",
    "ɚ": "er",
    "ɛ": "eh",
    "ɜ": "ur",
    "ɪ": "ih",
    "ɨ": "ih",
    "ʊ": "uu",
    "ʌ": "uh",
    "i": "ee",
    "u": "oo",
    "a": "ah",
    "e": "eh",
    "o": "oh",
    "y": "ew",
}
_CONSONANTS = {
    "ʤ": "j",
    "ʧ": "ch",
    "ŋ": "ng",
    "ɹ": "r",
    "ʃ": "sh",
    "ʒ": "zh",
    "ð": "th",
    "θ": "th",
    "ɡ": "g",
    "j": "y",
    "T": "t",
    "ɾ": "t",
    "ʔ": "",
    "x": "kh",
    "ç": "h",
    **{c: c for c in "bdfhklmnpstvwz"},
}
_STRESS = {"ˈ": 2, "ˌ": 1}
_SYMBOL = re.compile("|".join(sorted(map(re.escape, _VOWELS), key=len, reverse=True)) + "|.")


def respell(phonemes: str) -> str:
    """A respelling of ``phonemes``, word by word (spaces kept)."""
    return " ".join(_respell_word(word) for word in phonemes.split())


def _respell_word(word: str) -> str:
    syllables: list[tuple[str, str, str, int]] = []  # onset, vowel, coda, stress
    consonants: list[str] = []
    stress = 0
    for symbol in _SYMBOL.findall(word):
        if symbol in _STRESS:
            stress = _STRESS[symbol]
        elif symbol in _VOWELS:
            onset = consonants
            if syllables and len(consonants) > 1:  # the first consonant closes the last syllable
                last = syllables[-1]
                syllables[-1] = (last[0], last[1], last[2] + consonants[0], last[3])
                onset = consonants[1:]
            vowel = "y" if symbol == "I" and onset else _VOWELS[symbol]  # 'wynd', 'eye-dee-uh'
            syllables.append(("".join(onset), vowel, "", stress))
            consonants, stress = [], 0
        elif symbol.isalpha():  # length marks and punctuation inside a reading are not sounds
            consonants.append(_CONSONANTS.get(symbol, symbol))
    if not syllables:
        return "".join(consonants)
    last = syllables[-1]
    syllables[-1] = (last[0], last[1], last[2] + "".join(consonants), last[3])
    stressed = len(syllables) > 1 and any(s[3] == 2 for s in syllables)
    parts = [
        (onset + vowel + coda).upper() if stressed and level == 2 else onset + vowel + coda
        for onset, vowel, coda, level in syllables
    ]
    return "-".join(parts)
