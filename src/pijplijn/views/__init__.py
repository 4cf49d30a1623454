"""Views: one function per page and API resource, each returning a pydantic model that the
HTML, JSON, CSV and XLSX renderers and the CLI's ``--format`` all present (the datasette
model). A number shown anywhere comes from a view; renderers never compute figures."""
