"""``db init``: the reference schema, the lists the platform ships with, and optional sample data.

Every step only fills what is empty, so running it again changes nothing: tables are created
when missing (and columns a newer reference schema has, such as ``services.monthly_charge``,
added to tables an older ``db init`` made), a list the platform ships filled in
(``Kind.seeded``: the number, service and feature statuses and the customer classes) is copied
from ``config/`` only into an empty table, and sample customers are added only while there are
none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from billing_config.db import tables
from billing_config.db.live import read_live
from billing_config.mapping import default_mapping
from billing_config.db.write import Entry, MissingReference, book_from, insert_entries, set_references
from billing_config.mapping.model import now_stamp
from billing_config.errors import UserError
from billing_config.kinds import KINDS, Kind, get_kind
from billing_config.loader import Document

SAMPLE_CUSTOMERS = 300
SAMPLE_TICKETS = 240
_SEED = 20240601


@dataclass(slots=True)
class InitReport:
    created_tables: list[str] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)  # table.column added to a table made before
    filled: dict[str, int] = field(default_factory=dict)  # table -> rows inserted
    sample: dict[str, int] = field(default_factory=dict)
    recorded: int = 0  # entries recorded as the target's first applied state


def create_schema(connection: sa.Connection) -> list[str]:
    existing = set(sa.inspect(connection).get_table_names())
    metadata = tables.metadata()
    missing = [name for name in metadata.tables if name not in existing]
    metadata.create_all(connection, checkfirst=True)
    return missing


# Columns the reference schema gained after its tables were first made: added, with their
# default, to a table an older db init created (plans add up services.monthly_charge).
ADDED_LATER = ((tables.SERVICES, "monthly_charge"),)


def add_missing_columns(connection: sa.Connection) -> list[str]:
    """ALTER TABLE ... ADD COLUMN for each column of ADDED_LATER its existing table lacks."""
    inspector = sa.inspect(connection)
    existing = set(inspector.get_table_names())
    quote = connection.dialect.identifier_preparer.quote
    added = []
    for table_name, column_name in ADDED_LATER:
        if table_name not in existing or column_name in {c["name"] for c in inspector.get_columns(table_name)}:
            continue
        column = tables.table(table_name).c[column_name]
        kind = column.type.compile(dialect=connection.dialect)
        default = column.server_default.arg if isinstance(column.server_default, sa.DefaultClause) else None
        default_sql = f" DEFAULT {default.text if isinstance(default, sa.TextClause) else default}" if default is not None else ""
        connection.exec_driver_sql(
            f"ALTER TABLE {quote(table_name)} ADD COLUMN {quote(column_name)} {kind}"
            f"{default_sql}{'' if column.nullable else ' NOT NULL'}"
        )
        added.append(f"{table_name}.{column_name}")
    return added


def _is_empty(connection: sa.Connection, table: sa.Table) -> bool:
    return connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None


def fill_kinds(connection: sa.Connection, kinds: list[Kind], by_kind: dict[str, list[Document]], report: InitReport) -> None:
    """Copy config entries into the empty tables of the given kinds, references included.

    The rows are written exactly as apply writes its creates (``db.rows``), so a seeded table
    and an applied one cannot differ, chains of next statuses included.
    """
    stamp = now_stamp()
    mapping = default_mapping()
    book = book_from(read_live(connection, mapping, with_usage=False, strict=False))
    waiting: list[tuple[Kind, list[Entry]]] = []
    for kind in kinds:
        table = tables.kind_table(kind)
        documents = by_kind.get(kind.name, [])
        if not documents or not _is_empty(connection, table):
            continue
        entries: list[Entry] = [(d.code, kind.with_defaults(d.data)) for d in sorted(documents, key=lambda d: d.code)]
        waiting.append((kind, insert_entries(connection, mapping, mapping.kinds[kind.name], entries, book, stamp)))
        report.filled[table.name] = len(entries)
    for kind, unresolved in waiting:
        try:
            set_references(connection, mapping.kinds[kind.name], unresolved, book)
        except MissingReference as error:
            raise UserError(
                f"cannot seed {kind.table} from config/{kind.name}/: {error}. The table it refers to already had rows "
                "and lacks that entry; add it there, or run db init on an empty database"
            ) from None


# What sample services cost a month (GBP, VAT excluded), as a UK business telecoms provider
# lists them: what plans add up as the charges a status change moves.
SERVICE_CATALOGUE: tuple[tuple[str, Decimal], ...] = (
    ("Business Line Rental", Decimal("21.99")),
    ("Broadband FTTC 80/20", Decimal("32.00")),
    ("Full Fibre Broadband 900", Decimal("54.99")),
    ("SIP Trunk, 4 channels", Decimal("26.00")),
    ("Call Bundle, 1,000 UK minutes", Decimal("9.50")),
    ("Call Bundle, unlimited UK and mobile", Decimal("15.00")),
    ("Hosted Email", Decimal("4.50")),
    ("Router Rental", Decimal("3.75")),
)

# Ofcom keeps these ranges for drama and examples: they never ring anyone.
DRAMA_RANGES = (("020 7946 ", 0, 999, 4), ("07700 900", 0, 999, 3))


def _drama_numbers() -> list[str]:
    return [f"{prefix}{n:0{width}d}" for prefix, low, high, width in DRAMA_RANGES for n in range(low, high + 1)]


def _related_status_ids(connection: sa.Connection) -> dict[str, dict[int, int]]:
    """usage table -> customer status id -> id of the status its rows take under that customer status.

    Read from the registry: each reference field of a customer status that names a kind used by
    a table (numbers, services, features) says which status that table's rows take, as the
    platform sets them when a customer moves to the status.
    """
    statuses = get_kind("statuses")
    table = tables.kind_table(statuses)
    result: dict[str, dict[int, int]] = {}
    for spec in statuses.reference_fields:
        target = get_kind(spec.references or "")
        if target.usage is None or target.usage.table == tables.CUSTOMERS:
            continue
        column = table.c[tables.column_name(spec)]
        result[target.usage.table] = {
            int(id_): int(related) for id_, related in connection.execute(sa.select(table.c.id, column)) if related is not None
        }
    return result


def add_sample_data(connection: sa.Connection, report: InitReport) -> None:
    """Customers spread over statuses, classes and groups, tickets over departments; each customer's
    numbers, services and features in the statuses its customer status relates. Deterministic."""
    customers, members, tickets = (tables.table(n) for n in (tables.CUSTOMERS, tables.GROUP_MEMBERS, tables.TICKETS))
    if not _is_empty(connection, customers):
        return
    statuses = sorted(tables.id_map(connection, get_kind("statuses")).items())
    classes = sorted(tables.id_map(connection, get_kind("classes")).items())
    groups = sorted(tables.id_map(connection, get_kind("groups")).items())
    departments = sorted(tables.id_map(connection, get_kind("departments")).items())
    if not statuses:
        raise UserError("sample data needs customer statuses; add config/statuses/ entries first")
    chooser = random.Random(_SEED)
    # Earlier statuses (alphabetically) get more customers, so impact counts differ visibly.
    weights = [len(statuses) - index for index in range(len(statuses))]
    customer_rows: list[dict[str, Any]] = [
        {
            "id": number, "name": f"Sample Customer {number:04d}",
            "customer_status_id": chooser.choices(statuses, weights)[0][1],
            "customer_class_id": chooser.choice(classes)[1] if classes else None,
        }
        for number in range(1, SAMPLE_CUSTOMERS + 1)
    ]
    connection.execute(customers.insert(), customer_rows)
    member_rows = []
    for row in customer_rows:
        for _code, group_id in chooser.sample(groups, k=min(len(groups), chooser.randint(0, 2))):
            member_rows.append({"customer_id": row["id"], "customer_group_id": group_id})
    if member_rows:
        connection.execute(members.insert(), member_rows)
    ticket_rows = [
        {"id": number, "subject": f"Sample ticket {number:04d}", "department_id": chooser.choice(departments)[1]}
        for number in range(1, SAMPLE_TICKETS + 1)
    ] if departments else []
    if ticket_rows:
        connection.execute(tickets.insert(), ticket_rows)
    report.sample = {tables.CUSTOMERS: len(customer_rows), tables.GROUP_MEMBERS: len(member_rows), tables.TICKETS: len(ticket_rows)}
    report.sample.update(_add_lines(connection, chooser, customer_rows))


def _add_lines(connection: sa.Connection, chooser: random.Random, customer_rows: list[dict[str, Any]]) -> dict[str, int]:
    """Up to two numbers and two services per customer whose status relates one, and up to two
    features on each number, so every status list's impact counts are real.

    Rows get their ids from the database (a PostgreSQL sequence is only advanced by its own
    ids); features find their number again by its unique phone number.
    """
    related = _related_status_ids(connection)
    numbers_of, services_of, features_of = (related.get(t, {}) for t in (tables.NUMBERS, tables.SERVICES, tables.FEATURES))
    phone_numbers = iter(_drama_numbers())
    number_rows: list[dict[str, Any]] = []
    service_rows: list[dict[str, Any]] = []
    wanted_features: list[tuple[str, str, int]] = []  # phone number, feature, feature status id
    for customer in customer_rows:
        status_id = customer["customer_status_id"]
        if status_id in numbers_of:
            for _ in range(chooser.randint(0, 2)):
                phone = next(phone_numbers)
                number_rows.append({"number": phone, "customer_id": customer["id"], "number_status_id": numbers_of[status_id]})
                if status_id in features_of:
                    for feature in chooser.sample(("Voicemail", "Call Barring", "Caller Display"), k=chooser.randint(0, 2)):
                        wanted_features.append((phone, feature, features_of[status_id]))
        if status_id in services_of:
            for _ in range(chooser.randint(0, 2)):
                name, price = chooser.choice(SERVICE_CATALOGUE)
                service_rows.append({
                    "name": name, "monthly_charge": price,
                    "customer_id": customer["id"], "service_status_id": services_of[status_id],
                })
    numbers = tables.table(tables.NUMBERS)
    if number_rows:
        connection.execute(numbers.insert(), number_rows)
    if service_rows:
        connection.execute(tables.table(tables.SERVICES).insert(), service_rows)
    number_ids = {phone: id_ for id_, phone in connection.execute(sa.select(numbers.c.id, numbers.c.number))}
    feature_rows = [
        {"name": feature, "number_id": number_ids[phone], "feature_status_id": status_id}
        for phone, feature, status_id in wanted_features
    ]
    if feature_rows:
        connection.execute(tables.table(tables.FEATURES).insert(), feature_rows)
    return {tables.NUMBERS: len(number_rows), tables.SERVICES: len(service_rows), tables.FEATURES: len(feature_rows)}


def init_database(engine: sa.Engine, documents: list[Document], sample_data: bool) -> InitReport:
    """Create what is missing, in one transaction per step so a failure leaves a usable state."""
    report = InitReport()
    by_kind: dict[str, list[Document]] = {}
    for document in documents:
        by_kind.setdefault(document.kind, []).append(document)
    with engine.begin() as connection:
        report.created_tables = create_schema(connection)
    with engine.begin() as connection:
        report.added_columns = add_missing_columns(connection)
    with engine.begin() as connection:
        fill_kinds(connection, [k for k in KINDS if k.seeded], by_kind, report)
    if sample_data:
        with engine.begin() as connection:
            # A platform in use already has its statuses, groups and departments: seed them from
            # config/ where the tables are empty, then customers, tickets and lines that use them.
            fill_kinds(connection, [k for k in KINDS if not k.seeded], by_kind, report)
            add_sample_data(connection, report)
            report.recorded = record_initial_state(connection, by_kind)
    return report


def record_initial_state(connection: sa.Connection, by_kind: dict[str, list[Document]]) -> int:
    """The platform as seeded is the first recorded state: entries with a file are managed.

    Only into an empty state table, so running db init again never overwrites what an apply
    recorded since.
    """
    import uuid

    from billing_config.db.live import read_live
    from billing_config.db.tool.state import StateRow, has_state, record_state

    if has_state(connection):
        return 0
    live = read_live(connection, with_usage=False)
    rows = [
        StateRow(kind.name, code, code in {d.code for d in by_kind.get(kind.name, [])}, dict(row.values))
        for kind in KINDS if kind.managed
        for code, row in sorted(live.rows[kind.name].items())
    ]
    return record_state(
        connection, rows, kinds=[k.name for k in KINDS if k.managed], run_id=str(uuid.uuid4()), stamp=now_stamp(), git_commit=None,
    )
