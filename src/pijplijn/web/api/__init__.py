"""The open REST API under ``/api/v1``: every endpoint calls one engine data function."""
