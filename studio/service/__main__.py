"""``python -m studio.service``: run the stdio TTS service."""

from studio.service.stdio import main

main()
