"""Running SPARQL with limits that hold: query analysis, the worker pool, result writers."""
