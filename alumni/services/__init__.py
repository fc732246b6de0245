"""The business rules. Functions take model objects and an explicit actor; they never read the
request, flush but do not commit (the caller — a page, the API or the CLI — commits once)."""
