"""Shared foundations: records, errors, settings, crash-safe file I/O, text rules, the string table."""
