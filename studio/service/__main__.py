"""``python -m studio.service``: run the stdio TTS service."""

from studio.service.stdio import main

if __name__ == "__main__":  # imported (pkgutil.walk_packages, a bundler), it serves nothing
    main()
