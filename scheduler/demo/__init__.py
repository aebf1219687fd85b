"""Generated demo agencies: a day of visits (``agency``) or a week from care plans (``week``).

Pure generators over ``domain/``: used by the CLI, the tests and the benches. Storing a demo
branch in the database is a use case (``service/demo_service.py``).
"""
