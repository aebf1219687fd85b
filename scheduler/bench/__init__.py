"""Benchmarks on public instances: readers, runs and reports."""
