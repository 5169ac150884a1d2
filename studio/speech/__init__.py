"""What a request may ask the engine to speak, checked without the engine: the text (its limits,
sentences and natural breaks: ``text``), the voices (catalogue, profiles, blends: ``voices``) and
the speed (``speed``). Pure and light (no numpy, no model): the engine, the read plan
(``studio.direction``), the project file, the wire protocol and every face check against it.
"""
