"""Directing the read: the inline grammar, pronunciation lexicons (and PLS files), the cast, and
the read plan the engine voices. Pure data and text: no Qt, no model."""

from studio.direction.cast import Cast
from studio.direction.grammar import DirectionError, escape, parse
from studio.direction.lexicon import Lexicon, LexiconEntry, merged
from studio.direction.plan import Direction, ReadPlan, plan_read

__all__ = [
    "Cast",
    "Direction",
    "DirectionError",
    "Lexicon",
    "LexiconEntry",
    "ReadPlan",
    "escape",
    "merged",
    "parse",
    "plan_read",
]
