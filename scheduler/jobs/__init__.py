"""Processes of their own, never API workers: the nightly batch and the Celery workers."""
