"""Issue 16, class 1: no text of a mapping ever reaches SQL as SQL.

Every mapping key that names a table, schema, column or sequence is fed hostile names (quotes
of every kind, backticks, ``;``, ``--``, ``+ (SELECT ...)``) on SQLite, PostgreSQL and MariaDB,
through doctor, plan and apply. Each command must end with an answer (exit 0-3, never an
internal error), quickly (no SLEEP ran), and leave a canary table and every vendor row as they
were: the names were quoted as identifiers (and so named nothing that exists), never run.
A scan of the package keeps statements from being built out of text by hand.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import REPO
from tests.scenarios.vendor_schemas import VENDOR_C_STATUS, seed_vendor_c
from tests.testing.databases import execute, scalar
from tests.testing.files import write_entry

HOSTILE = [
    'x"; DROP TABLE canary; --',
    "x`; DROP TABLE canary; -- + (SELECT MAX(n) FROM canary)",
    "x'); DELETE FROM canary; SELECT SLEEP(3); --",
]

# Every identifier slot of a mapping, filled with its valid name by default.
SLOTS = {
    "table": VENDOR_C_STATUS, "schema": "", "key": "stat_id", "code": "Code", "where": "tenant", "delete": "deleted_at",
    "insert": "uid", "created": "", "name": "label", "lookup_table": "avail_type", "lookup_key": "avail_id",
    "lookup_value": "label", "usage_table": "acct", "usage_column": "stat_uid", "usage_via": "uid", "usage_where": "acct_id",
    "through_table": "", "through_key": "", "through_column": "", "sum": "acct_id", "protect": "stat_id", "sequence": "",
    "tool_schema": "",
}


def mapping_text(**names: str) -> str:
    slot = {**SLOTS, **names}
    q = {key: json.dumps(value, ensure_ascii=False) for key, value in slot.items()}
    table = json.dumps(f"{slot['schema']}.{slot['table']}" if slot["schema"] else slot["table"])
    from billing_config.kinds import get_kind

    own = {
        "name": f"name = {q['name']}",
        "availability": f"availability = {{ column = \"avail_id\", lookup = {{ table = {q['lookup_table']}, key = {q['lookup_key']}, value = {q['lookup_value']} }} }}",
        "is_billable": 'is_billable = { column = "billable", values = { true = 1, false = 0 } }',
    }
    fields = "\n".join(own.get(spec.name, f"{spec.name} = false") for spec in get_kind("statuses").fields)
    key_source = f"{{ sequence = {q['sequence']} }}" if slot["sequence"] else '"max+1"'
    through = (
        f"through = {{ table = {q['through_table']}, key = {q['through_key']}, column = {q['through_column']} }}\n"
        if slot["through_table"] else ""
    )
    created = f"created = {q['created']}\n" if slot["created"] else ""
    tool = f"[tool]\nschema = {q['tool_schema']}\n\n" if slot["tool_schema"] else ""
    return f"""{tool}[kinds.statuses]
table = {table}
key = {q['key']}
key_source = {key_source}
code = {{ column = {q['code']}, case = "upper", separator = "_" }}
where = {{ {q['where']} = 1, deleted_at = {{ null = true }} }}
delete = {{ {q['delete']} = {{ now = true }} }}
protect = {{ {q['protect']} = 1 }}

[kinds.statuses.set]
insert = {{ {q['insert']} = {{ uuid = true }} }}
{created}
[kinds.statuses.fields]
{fields}

[[kinds.statuses.usage]]
table = {q['usage_table']}
column = {q['usage_column']}
via = {q['usage_via']}
noun = "accounts"
where = {{ {q['usage_where']} = {{ null = false }} }}
sum = {q['sum']}
unit = "GBP a month"
{through}"""


CASES = [(slot, text) for slot in SLOTS if slot not in ("delete",) for text in HOSTILE]
# Slots that only mean something together: the others of the group get valid names, so the
# hostile one is the only thing wrong.
GROUPS = {
    "through_table": {"through_key": "acct_id", "through_column": "acct_id"},
    "through_key": {"through_table": "acct", "through_column": "acct_id"},
    "through_column": {"through_table": "acct", "through_key": "acct_id"},
}
# A hostile name that is also a valid one to create: the tool's own schema is created under
# exactly that name (quoted), and the apply may then go ahead.
MAY_APPLY = {"tool_schema"}


def _state(engine: sa.Engine) -> tuple[Any, ...]:
    table = engine.dialect.identifier_preparer.quote(VENDOR_C_STATUS)
    with engine.connect() as connection:
        return (
            tuple(connection.execute(sa.text("SELECT n FROM canary ORDER BY n")).scalars()),
            tuple(tuple(r) for r in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY stat_id"))),
            tuple(tuple(r) for r in connection.execute(sa.text("SELECT * FROM acct ORDER BY acct_id"))),
        )


@pytest.fixture
def vendor(db_url: str, engine_for: Callable[[str], sa.Engine]) -> tuple[str, sa.Engine]:
    engine = engine_for(db_url)
    seed_vendor_c(engine)
    execute(engine, "CREATE TABLE canary (n INTEGER NOT NULL)")
    execute(engine, "INSERT INTO canary (n) VALUES (1), (2)")
    return db_url, engine


def test_hostile_names_in_every_identifier_key_are_never_sql(
    vendor: tuple[str, sa.Engine], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    url, engine = vendor
    config = tmp_path / "config"
    write_entry(config, "statuses", "new-one", "name: New One\n")
    for slot, text in CASES:
        before = _state(engine)
        mapping = tmp_path / "mapping.toml"
        mapping.write_text(mapping_text(**{**GROUPS.get(slot, {}), slot: text}), encoding="utf-8")
        target = ["--database", url, "--mapping", str(mapping), "--config-dir", str(config)]
        for command in (["doctor"], ["plan"], ["apply", "--yes"]):
            started = time.monotonic()
            result = cli(*command, *target)
            elapsed = time.monotonic() - started
            where = f"{command[0]} with {slot} = {text!r}"
            assert result.code in (0, 1, 2, 3), where
            assert "internal error" not in result.text and "Traceback" not in result.text, f"{where}: {result.text}"
            assert elapsed < 2.5, f"{where} took {elapsed:.1f} s: did SLEEP run?"
        after = _state(engine)
        assert after[0] == before[0], f"{slot} = {text!r} reached the canary"
        if slot not in MAY_APPLY:
            assert after == before, f"{slot} = {text!r} changed the database"
    assert scalar(engine, "SELECT COUNT(*) FROM canary") == 2


def test_the_package_builds_no_statement_out_of_text() -> None:
    """Statements are SQLAlchemy constructs with bound values; the one statement it has no
    construct for (LOCK TABLE) takes its name from the dialect's identifier quoting."""
    allowed = {
        ("db/write.py", "LOCK TABLE {access.quoted_table("),
        ("db/connect.py", "BEGIN {mode}"),
    }
    found = []
    for path in (REPO / "tools" / "billing_config").rglob("*.py"):
        relative = str(path.relative_to(REPO / "tools" / "billing_config"))
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"(exec_driver_sql|sa\.text|literal_column)\(\s*f[\"']", line):
                if not any(relative == where and snippet in line for where, snippet in allowed):
                    found.append(f"{relative}: {line.strip()}")
    assert found == []
