"""``python -m studio``: the ``narration-studio`` command."""

from studio.cli import main

if __name__ == "__main__":  # imported (pkgutil.walk_packages, a bundler), it starts nothing
    main()
