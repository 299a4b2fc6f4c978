"""The Brussels creative-ecosystem knowledge graph: sources -> validation -> store."""

__version__ = "0.1.0"
