"""The web face of the knowledge graph: SPARQL endpoint and pages."""
