"""Audio out: encoding (``encode``), loudness presets (``presets``), mastering (``master``) and
measuring (``meter``), a scene's delivered file (``scene_file``), captions (``captions``), tags and
chapters (``tags``), the joined file and M4B (``join``), and the ACX check (``acx``)."""
