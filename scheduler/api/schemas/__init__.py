"""What the API reads and writes, one module per resource: ``XCreate`` / ``XUpdate`` / ``XPublic``.

Writes forbid unknown fields. Field names follow the storage columns, so a validated create is
a row's keyword arguments; nested values (weekly hours, availability, windows) are validated
here and stored as JSON.
"""
