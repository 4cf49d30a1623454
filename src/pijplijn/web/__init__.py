"""The web app: pages and the JSON API, both from the engine's data functions."""
