"""The rules `doctor` checks a database against its mapping with, declared apart from the
checks (db/doctor.py) because that module loads SQLAlchemy and `docs`/`explain` must not.

Three severities: an error is a schema the tool cannot safely write through (apply refuses it
too), a warning is something to look at, and a note states a fact about the target (its
limits, its unique constraints) that never fails a run, not even with ``--strict``.
"""

from __future__ import annotations

from billing_config.findings import E, N, W, declare

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
    "doctor-column-type", E, "doctor", "A column's type cannot hold the values the mapping writes to it.",
    reason="A true/false field in a date column, text in a number column or a number in a text column would be "
    "refused or mangled by the database on the first write.",
    mistake="[kinds.statuses.fields]\nname = \"status_id\"      # an integer column",
    fix="[kinds.statuses.fields]\nname = \"status_desc\"    # a text column",
)
declare(
    "doctor-column-length", E, "doctor", "A value the mapping itself writes, or a limit it states, does not fit its column.",
    reason="A where, set or delete value, a stored encoding or a max_length is the mapping's own promise: if the "
    "column cannot hold it, every write that uses it fails (or, without strict mode, is cut).",
    mistake="[kinds.statuses.fields]\nname = { column = \"libelle\", max_length = 40 }   # libelle is varchar(30)",
    fix="[kinds.statuses.fields]\nname = { column = \"libelle\", max_length = 30 }",
)
declare(
    "doctor-target-limit", N, "doctor", "A mapped column is narrower than the field's schema allows: the target's limit, stated.",
    reason="Real schemas are taken as they are: the target narrows the config, never the reverse. A config value "
    "over the limit is refused at plan as a located finding (target-limit), before any write.",
    mistake="# cust_status.status_name is varchar(30); the schema allows names of 100 characters",
    fix="# nothing to fix: names on this target hold at most 30 characters",
)
declare(
    "doctor-not-null", E, "doctor", "A NOT NULL column without a default that no field, where or set covers; inserts would fail.",
    reason="Every new row must give such a column a value; without one the first create fails inside apply.",
    mistake="[kinds.statuses]\ntable = \"cust_status\"   # tenant_id is NOT NULL, no default",
    fix="[kinds.statuses]\ntable = \"cust_status\"\nwhere = { tenant_id = 1 }",
)
declare(
    "doctor-key-default", E, "doctor", "The key column has no identity, auto-increment or default, so new rows would get no key.",
    reason="Keys come from the database (identity, sequence, default), from the code, or, where the vendor's "
    "application assigns them itself, from one more than the largest key (key_source = \"max+1\").",
    mistake="[kinds.statuses]\nkey = \"status_id\"       # a plain integer column",
    fix="[kinds.statuses]\nkey = \"status_id\"\nkey_source = \"max+1\"   # as the vendor's application does",
)
declare(
    "doctor-sequence", E, "doctor", "The sequence key_source names does not exist.",
    reason="New rows take their key from that sequence; a missing one fails the first create inside apply.",
    mistake="[kinds.statuses]\nkey_source = { sequence = \"status_seq\" }   # the vendor's is cust_status_seq",
    fix="[kinds.statuses]\nkey_source = { sequence = \"cust_status_seq\" }",
)
declare(
    "doctor-sequence-behind", E, "doctor", "The sequence that gives new rows their key would give a key a row already holds.",
    reason="A vendor's install script that inserts rows with explicit keys without moving the serial column's sequence "
    "on (A2Billing's cc_support on PostgreSQL) leaves nextval() at a key that exists: the first create would fail "
    "inside apply on the primary key.",
    mistake="INSERT INTO cc_support (id, name) VALUES (1, 'DEFAULT');   -- the sequence still starts at 1",
    fix="SELECT setval(pg_get_serial_sequence('cc_support', 'id'), (SELECT MAX(id) FROM cc_support));\n"
    "# or, in the mapping: key_source = \"max+1\"",
)
declare(
    "doctor-engine", E, "doctor", "A table of a managed kind is kept by an engine that cannot roll back (MyISAM, MEMORY, CSV, Aria).",
    reason="apply writes everything in one transaction or nothing; on such a table a failed apply would leave "
    "half its writes behind, so apply refuses the target before any write.",
    mistake="CREATE TABLE cust_status (...) ENGINE=MyISAM;",
    fix="ALTER TABLE cust_status ENGINE=InnoDB;   -- or map the kind with managed = false",
)
declare(
    "doctor-engine-unmanaged", N, "doctor", "A table of a kind the target does not manage is kept by an engine that cannot roll back.",
    reason="The tool only reads a managed = false kind, so the engine does not matter for it; said so that "
    "nobody flips managed to true without converting the table first.",
    mistake="[kinds.classes]\nmanaged = true    # customer_class is MyISAM",
    fix="[kinds.classes]\nmanaged = false",
)
declare(
    "doctor-unique-constraints", N, "doctor", "The unique constraints and unique indexes of a mapped table.",
    reason="A create, update, rename or revive that would repeat a value one of them covers is refused at plan "
    "(code-collision); listing them says what the database itself will refuse.",
    mistake="# dept has UNIQUE (tenant_id, dept_cd)",
    fix="# nothing to fix: plan compares new codes with every row under that constraint",
)
declare(
    "doctor-unique-soft-delete", W, "doctor", "A unique constraint covers the code (or name) of a kind whose soft-deleted rows stay, and revive is off.",
    reason="A soft-deleted row keeps its code, so creating that code again would be refused by the database; "
    "with revive = true the tool restores the deleted row instead.",
    mistake="[kinds.departments]\ndelete = { deleted = \"Y\" }    # UNIQUE (dept_cd)",
    fix="[kinds.departments]\ndelete = { deleted = \"Y\" }\nrevive = true",
)
declare(
    "doctor-scope-overlap", E, "doctor", "Two kinds on one table have where values that differ only in a way the column's collation ignores.",
    reason="Under a case-insensitive (or accent- or space-insensitive) collation 'n' and 'N' select the same "
    "rows, so one row would belong to both kinds and apply would move it between them forever.",
    mistake="[kinds.number-statuses]\nwhere = { list = \"n\" }\n[kinds.service-statuses]\nwhere = { list = \"N\" }   # list is _ci",
    fix="[kinds.number-statuses]\nwhere = { list = \"n\" }\n[kinds.service-statuses]\nwhere = { list = \"s\" }",
)
declare(
    "doctor-soft-delete-scope", E, "doctor", "The value a soft delete writes equals the where value under the column's collation.",
    reason="A soft-deleted row must leave the scope; if the collation reads 'y' as 'Y', the deleted row is "
    "still in scope and the delete never happens.",
    mistake="where = { state = \"Y\" }\ndelete = { state = \"y\" }   # state is _ci",
    fix="where = { state = \"Y\" }\ndelete = { state = \"D\" }",
)
declare(
    "doctor-char-padding", N, "doctor", "A text column is CHAR(n) on PostgreSQL, which pads its values with spaces.",
    reason="PostgreSQL returns 'Active' from a CHAR(10) as 'Active    '; the tool reads such columns without the "
    "trailing spaces, so plans converge, and a value ending in spaces cannot be kept there.",
    mistake="status_name CHAR(40)",
    fix="# nothing to fix; VARCHAR(40) keeps values exactly",
)
declare(
    "doctor-code-collation", E, "doctor", "Live rows in scope hold codes that the code column's collation compares as equal.",
    reason="VIP_CLIENT and Vip_Client are one value to a case-insensitive column: the tool would read two "
    "entries where the database sees one code, and writes through either would hit the other.",
    mistake="# grp_code is utf8mb4_general_ci; rows 1 'VIP_CLIENT' and 4 'Vip_Client'",
    fix="UPDATE grp SET grp_code = 'VIP_CLIENT_OLD' WHERE grp_key = 4;",
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
    "doctor-privilege", E, "doctor", "The database user may not read a mapped table.",
    reason="plan, drift, export, adopt and apply all read every mapped table; without SELECT none of them can run.",
    mistake="REVOKE SELECT ON cust_status FROM billing_config;",
    fix="GRANT SELECT ON cust_status TO billing_config;",
)
declare(
    "doctor-write-privilege", W, "doctor", "The database user may read a managed kind's table but not write it.",
    reason="Fine for a read-only user (plans are made through one, and apply runs through the writing target), "
    "but the user apply runs as needs INSERT and UPDATE (and DELETE for hard deletes).",
    mistake="GRANT SELECT ON cust_status TO billing_config;   -- the user apply runs as",
    fix="GRANT SELECT, INSERT, UPDATE, DELETE ON cust_status TO billing_config;",
)
declare(
    "doctor-trigger", W, "doctor", "A mapped table has triggers; they run on every write the tool makes.",
    reason="A vendor trigger may write history, refuse some values or change others; look at what it does "
    "before the first apply.",
    mistake="CREATE TRIGGER status_history AFTER UPDATE ON cust_status ...",
    fix="# read the trigger; if it writes the vendor's history, nothing to do",
)
