"""Test plumbing in one place: the CLI driver, file edits, real databases and git repositories.
Benchmarks import it too."""
