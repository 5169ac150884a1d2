"""One line per log event. Some libraries attach their own stderr handler when imported
(huggingface_hub its retry warnings, jieba its dictionary notices) while their records also reach
the app's handler, so every event printed twice: once plain, once as ``[WARNING] …``. Their
records go through the app's handler only."""

from __future__ import annotations

import logging


def use_app_handlers(library: str, level: int | None = None) -> None:
    """Drop the stream handlers ``library`` attached to its own logger; its records still
    propagate to the app's (root) handlers, or to logging's last resort when there are none.
    ``level`` also sets the library logger's threshold (jieba logs at DEBUG by default)."""
    logger = logging.getLogger(library)
    for handler in list(logger.handlers):
        if type(handler) is logging.StreamHandler:
            logger.removeHandler(handler)
    if level is not None:
        logger.setLevel(level)
