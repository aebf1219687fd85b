"""Use cases: the only place that combines store, geo and solver."""
