"""The reference billing schema: tables derived from the kinds registry, creation and sample data."""
