"""The annual monitor report: one self-contained HTML file, and a PDF of the same HTML."""
