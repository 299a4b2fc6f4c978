"""The human-readable pages: home, entities, listings, search, map, network, ontology."""
