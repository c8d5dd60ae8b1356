"""Alert rules (``rules``), their evaluation into alerts (``evaluate``)."""
