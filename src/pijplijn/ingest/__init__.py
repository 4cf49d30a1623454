"""Ingest: one module per source format. Each parses, validates and normalises a source into
observations with provenance, and reports every problem as a typed issue. Nothing here writes
to the store or computes an indicator."""
