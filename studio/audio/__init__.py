"""Audio out: resampling and encoding (``encode``)."""
