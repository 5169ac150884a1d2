"""Rendering: a project's scenes voiced into files, and what an export adds to them.

| module | its one job |
|---|---|
| ``export`` | ``render_project``: one file per scene, the render cache, the manifest |
| ``longform`` | a scene of any length, voiced in request-sized pieces |
| ``extras`` | what an export writes besides the scene files: captions, ACX report, joined file |
| ``cluster`` | ``render --cluster``: scenes voiced by workers on a Ray cluster |
"""
