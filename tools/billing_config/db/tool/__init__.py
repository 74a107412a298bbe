"""The tool's own tables (audit log, bindings, applied state): defined, created, read and written here."""
