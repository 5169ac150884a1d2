"""Caps on the two caches of compiled CPU kernels that torch keeps, one entry per tensor shape.

oneDNN (torch's CPU kernels) compiles a kernel for every convolution, LSTM and matrix product
of a new shape and keeps it in its primitive cache; ideep (torch's layer over oneDNN) keeps its
own cache of convolutions the same way. Each holds up to 1024 entries by default. Every sentence
is a new length, so a new shape for about 120 of the model's layers: a service or a studio open
for hours filled both caches, which is what made a long-running torch process grow by 25-35 %
on distinct sentences (about 250 MB at 1024 entries).

Neither cache pays off beyond one sentence: real text repeats a sentence's length only by
chance, and a sentence heard twice comes from the sentence cache, not the model. Within one
sentence the same shapes recur (the vocoder's blocks repeat them). Measured on an unseen
1,800-character text (38 sentences): oneDNN compiled 1,490 kernels with 1024 entries, 1,510 with
256 and 1,526 with 128 (3.2-4.2 s of compiling in each case), against 2,335 with 64; with no
cache at all, synthesis is 25-35 % slower. Long-lived entries also fragment the heap around the
sentences' short-lived tensors, so smaller caps keep a process smaller still.

The caps are environment variables that both libraries read when they first compile a kernel:
set here before the model's first run, and left alone where the user set them.
"""

from __future__ import annotations

import os

#: Entries each cache keeps: what one sentence reuses (about 120 kernels of oneDNN's, fewer
#: convolutions of ideep's). fp32 kernels and their scratch memory are larger than bf16's: with
#: the bf16 caps, a torch service in fp32 (oneDNN held to AVX2) still grew by 13.5 % over 200
#: distinct sentences before it levelled; with these it grows about half as much, for about 7 %
#: more time per sentence (docs: performance.md, "Memory over a long run").
CAPS = {
    "bf16": {"ONEDNN_PRIMITIVE_CACHE_CAPACITY": 128, "LRU_CACHE_CAPACITY": 64},
    "fp32": {"ONEDNN_PRIMITIVE_CACHE_CAPACITY": 64, "LRU_CACHE_CAPACITY": 16},
}


def bound_kernel_caches(precision: str) -> None:
    """Cap oneDNN's and ideep's kernel caches for a model computing in ``precision`` ("bf16" or
    "fp32"); a no-op where the user set them, or once torch has compiled its first kernel: call
    it before the model first runs."""
    for name, entries in CAPS[precision].items():
        os.environ.setdefault(name, str(entries))
