"""Entry point of the frozen desktop app: the same ``narration-studio`` command that pip installs.

PyInstaller starts here (see narration-studio.spec); ``freeze_support`` keeps a frozen app from
re-running itself if a library ever starts a multiprocessing child.
"""

import multiprocessing

from studio.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    main()
