"""Home health visit scheduling and route optimization."""
