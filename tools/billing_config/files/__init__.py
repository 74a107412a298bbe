"""What writes entry files: the canonical text, the formatter, export and new entries."""
