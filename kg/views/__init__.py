"""View models of the pages, made from the store with no web code."""
