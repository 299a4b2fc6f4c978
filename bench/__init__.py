"""Benchmarks of the build and of validation, and the synthetic data generator they use."""
