"""Generated demo agencies: a day of visits (``agency``) or a week from care plans (``week``).

A week is light (care plans drawn at random) or busy (``busy_week``: built around a reference
plan it knows, ``reference``, filling most of the clinicians' paid hours).

Pure generators over ``domain/``: used by the CLI, the tests and the benches. Storing a demo
branch in the database is a use case (``service/demo_service.py``).
"""
