"""Open-data exports: the observations, indicator values, goals and provenance as CSV, XLSX,
Parquet or a Frictionless data package. Every table comes from an engine function, with
disclosure control applied there."""
