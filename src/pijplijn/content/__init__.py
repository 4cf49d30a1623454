"""Content packs: everything specific to one region lives in a pack folder here, as data.

``pijplijn.content.loader.load_pack`` is the one reader; no module imports a pack.
"""
