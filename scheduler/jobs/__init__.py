"""Jobs that run in their own process, never inside API workers: the nightly batch."""
