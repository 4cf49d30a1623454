"""National reference data shipped with the core (not with a content pack): gemeenten,
provinces, COROP regions and arbeidsmarktregio's (``labour_regions.py``)."""
