"""Proofing a project before it is voiced: which words to listen to, and why.

Part of the core: it reads a project and asks the engine's phonemizer how each word will be read,
without synthesis, so that it answers for a whole book in seconds.
"""
