"""The engine: every figure pijplijn shows is computed here, once. Outputs only format."""
