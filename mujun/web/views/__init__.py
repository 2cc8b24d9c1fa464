"""One module per kind of page; each exposes ``routes``."""
