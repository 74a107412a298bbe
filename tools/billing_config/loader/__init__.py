"""Files to documents with positions: the first stage after the kinds registry."""

from billing_config.loader.document import Document, JsonPath, Span, format_json_path
from billing_config.loader.tree import EntryFile, discover, require_config_dir
from billing_config.loader.yaml_reader import read_entry, read_entry_bytes

__all__ = [
    "Document",
    "EntryFile",
    "JsonPath",
    "Span",
    "discover",
    "format_json_path",
    "read_entry",
    "read_entry_bytes",
    "require_config_dir",
]
