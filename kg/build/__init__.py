"""The build: sources -> normalise -> validate -> load -> check -> derive -> swap."""
