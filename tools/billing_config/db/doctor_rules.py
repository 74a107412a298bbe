"""The rules `doctor` checks a database against its mapping with, declared apart from the
checks (db/doctor.py) because that module loads SQLAlchemy and `docs`/`explain` must not."""

from __future__ import annotations

from billing_config.findings import E, W, declare

_MAPPING = "# mapping.toml\n[kinds.statuses]\ntable = \"cust_status\"\n"

declare(
    "doctor-missing-table", E, "doctor", "A table the mapping names does not exist.",
    reason="Every read and write of the kind goes to that table; a typo or a schema not on the search path "
    "would fail the first plan.",
    mistake=_MAPPING.replace("cust_status", "cust_staus"),
    fix=_MAPPING,
)
declare(
    "doctor-missing-column", E, "doctor", "A column the mapping names does not exist in its table.",
    reason="A field mapped to a missing column can be neither read nor written; the vendor may have renamed it "
    "in an upgrade.",
    mistake="[kinds.statuses.fields]\nis_billable = \"billable_flg\"",
    fix="[kinds.statuses.fields]\nis_billable = \"billable_flag\"",
)
declare(
    "doctor-column-type", E, "doctor", "A column's type cannot hold the values of the field mapped to it.",
    reason="A true/false field in a date column, or text in a number column, would be refused or mangled by the "
    "database on the first write.",
    mistake="[kinds.statuses.fields]\nname = \"status_id\"      # an integer column",
    fix="[kinds.statuses.fields]\nname = \"status_desc\"    # a text column",
)
declare(
    "doctor-column-length", E, "doctor", "A text column shorter than the longest value the field's schema allows.",
    reason="The config may hold a value the column cannot: the database would refuse it (strict mode) or cut it, "
    "and the config would no longer say what live holds.",
    mistake="name mapped to varchar(30); the schema allows 100 characters",
    fix="map name to a column of 100 characters or more (or ask the vendor to widen it)",
)
declare(
    "doctor-not-null", E, "doctor", "A NOT NULL column without a default that no field, where or set covers; inserts would fail.",
    reason="Every new row must give such a column a value; without one the first create fails inside apply.",
    mistake="[kinds.statuses]\ntable = \"cust_status\"   # tenant_id is NOT NULL, no default",
    fix="[kinds.statuses]\ntable = \"cust_status\"\nwhere = { tenant_id = 1 }",
)
declare(
    "doctor-key-default", E, "doctor", "The key column has no identity, auto-increment or default, so new rows would get no key.",
    reason="The tool never invents keys: they come from the database (identity, sequence, default) or from the code.",
    mistake="[kinds.statuses]\nkey = \"status_id\"       # a plain integer column",
    fix="[kinds.statuses]\nkey = \"status_id\"\nkey_source = { sequence = \"status_seq\" }",
)
declare(
    "doctor-live-value", E, "doctor", "A live value no encoding of the mapping reads, or a reference to a row the tool cannot see.",
    reason="A value the tool cannot read would be compared, exported and written back wrongly; it stops rather than guess.",
    mistake="[kinds.statuses.fields]\nis_billable = { column = \"billable\", values = { true = \"Y\", false = \"N\" } }"
    "\n# a live row holds 'y'",
    fix="[kinds.statuses.fields]\nis_billable = { column = \"billable\", values = { true = [\"Y\", \"y\"], false = \"N\" } }",
)
declare(
    "doctor-sql-mode", E, "doctor", "MariaDB/MySQL without strict mode silently truncates text and zeroes bad values.",
    reason="Without strict mode a value the column can't hold is cut or zeroed and the audit log records the "
    "intended value: live and the record disagree. The tool sets a strict mode on its own sessions.",
    mistake="SET GLOBAL sql_mode = '';",
    fix="SET GLOBAL sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION';",
)
declare(
    "doctor-search-path", E, "doctor", "PostgreSQL's search_path names no schema, so unqualified tables cannot be found.",
    reason="An unqualified table name is looked up along the search_path; with none, every query fails.",
    mistake="[kinds.statuses]\ntable = \"cust_status\"    # search_path = nowhere",
    fix="[kinds.statuses]\ntable = \"billing.cust_status\"",
)
declare(
    "doctor-privilege", E, "doctor", "The database user lacks a privilege the tool needs on a mapped table.",
    reason="Plans need SELECT; apply needs INSERT, UPDATE and DELETE on each mapped table (and CREATE for the "
    "tool's own tables); finding out during an apply wastes a release window.",
    mistake="GRANT SELECT ON cust_status TO billing_config;",
    fix="GRANT SELECT, INSERT, UPDATE, DELETE ON cust_status TO billing_config;",
)
declare(
    "doctor-trigger", W, "doctor", "A mapped table has triggers; they run on every write the tool makes.",
    reason="A vendor trigger may write history, refuse some values or change others; look at what it does "
    "before the first apply.",
    mistake="CREATE TRIGGER status_history AFTER UPDATE ON cust_status ...",
    fix="# read the trigger; if it writes the vendor's history, nothing to do",
)
