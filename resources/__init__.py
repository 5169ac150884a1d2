"""The studio's artwork: the app icon as SVG and the PNG sizes drawn from it.

This folder is installed as the package ``studio.resources`` (see pyproject.toml), so the app,
a wheel and the desktop bundle all find the files with importlib.resources.
"""
