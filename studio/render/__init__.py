"""Rendering: a project's scenes voiced into files, and what an export adds to them.

| module | its one job |
|---|---|
| ``export`` | ``render_project``: one file per scene, kept in step with the manifest |
| ``events`` | what a render yields as it works |
| ``cache`` | each scene's key, and the manifest of what was rendered |
| ``voicer`` | where a render gets each scene's audio: ``LocalVoicer``, this engine |
| ``extras`` | what an export writes besides the scene files: captions, ACX report, joined file |
| ``cluster`` | ``render --cluster``: scenes voiced by workers on a Ray cluster |
| ``single`` | one text into one MP3, no project (``say``, ``--self-test``, the service) |
"""
