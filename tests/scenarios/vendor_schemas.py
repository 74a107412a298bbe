"""Two vendor-style billing schemas unlike the reference one, and mapping files for them.

Vendor A ("safe"): Y/N flags, availability as a number, no code column for statuses (the tool
binds codes), legacy department codes such as ``Field_Ops``, a tenant column, soft delete,
short varchars, created/updated stamps. Vendor B: an identity key, its own PostgreSQL schema,
upper-case codes with underscores (``VIP_CLIENT``), differently named columns, hard delete.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from billing_config.kinds import get_kind

_STATUS_COLUMNS = {"name": "status_name", "short_name": "abbrev", "display_position": "sort_no", "next_status": "next_status_id"}
_STATUS_FLAGS = {"is_active": "active_yn", "is_billable": "billable_yn"}


def vendor_a_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "cust_status", metadata,
        sa.Column("status_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("status_name", sa.String(100), nullable=False),
        sa.Column("abbrev", sa.String(20), nullable=True),
        sa.Column("avail", sa.SmallInteger, nullable=False),
        sa.Column("sort_no", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active_yn", sa.CHAR(1), nullable=False),
        sa.Column("billable_yn", sa.CHAR(1), nullable=False),
        sa.Column("next_status_id", sa.Integer, nullable=True),
        sa.Column("deleted", sa.CHAR(1), nullable=False, server_default="N"),
        sa.Column("created_on", sa.DateTime, nullable=True),
        sa.Column("updated_on", sa.DateTime, nullable=True),
    )
    sa.Table(
        "dept", metadata,
        sa.Column("dept_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("dept_cd", sa.String(64), nullable=False),
        sa.Column("dept_name", sa.String(100), nullable=False),
        sa.Column("deleted", sa.CHAR(1), nullable=False, server_default="N"),
    )
    sa.Table(
        "account", metadata,
        sa.Column("account_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("status_id", sa.Integer, nullable=False),
    )
    sa.Table(
        "ticket", metadata,
        sa.Column("ticket_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dept_id", sa.Integer, nullable=False),
    )
    return metadata


def vendor_a_mapping() -> str:
    fields = []
    for spec in get_kind("statuses").fields:
        if spec.name in _STATUS_COLUMNS:
            fields.append(f'{spec.name} = "{_STATUS_COLUMNS[spec.name]}"')
        elif spec.name in _STATUS_FLAGS:
            fields.append(f'{spec.name} = {{ column = "{_STATUS_FLAGS[spec.name]}", values = {{ true = ["Y", "y"], false = "N" }} }}')
        elif spec.name == "availability":
            fields.append('availability = { column = "avail", values = { Headline = 1, Standard = 2, Historical = 3 } }')
        else:
            fields.append(f"{spec.name} = false")
    status_fields = "\n".join(fields)
    return f"""
[kinds.statuses]
table = "cust_status"
key = "status_id"
where = {{ tenant_id = 1, deleted = "N" }}
delete = {{ deleted = "Y" }}

[kinds.statuses.set]
created = "created_on"
last_modified = "updated_on"

[kinds.statuses.fields]
{status_fields}

[[kinds.statuses.usage]]
table = "account"
column = "status_id"
noun = "accounts"
where = {{ tenant_id = 1 }}

[kinds.departments]
table = "dept"
key = "dept_id"
code = "dept_cd"
where = {{ tenant_id = 1, deleted = "N" }}
delete = {{ deleted = "Y" }}

[kinds.departments.fields]
name = "dept_name"

[[kinds.departments.usage]]
table = "ticket"
column = "dept_id"
noun = "tickets"
"""


def seed_vendor_a(engine: sa.Engine) -> None:
    vendor_a_metadata().create_all(engine)
    with engine.begin() as connection:
        statuses = [
            # tenant 1, visible
            {"status_id": 1, "tenant_id": 1, "status_name": "Active", "abbrev": "ACT", "avail": 1, "sort_no": 10, "active_yn": "Y", "billable_yn": "Y", "next_status_id": None, "deleted": "N"},
            {"status_id": 2, "tenant_id": 1, "status_name": "Suspended", "abbrev": None, "avail": 2, "sort_no": 20, "active_yn": "y", "billable_yn": "N", "next_status_id": 3, "deleted": "N"},
            {"status_id": 3, "tenant_id": 1, "status_name": "Ceased", "abbrev": "CEA", "avail": 3, "sort_no": 30, "active_yn": "N", "billable_yn": "N", "next_status_id": None, "deleted": "N"},
            {"status_id": 4, "tenant_id": 1, "status_name": "Old Trial", "abbrev": "", "avail": 3, "sort_no": 40, "active_yn": "N", "billable_yn": "N", "next_status_id": None, "deleted": "N"},
            # out of scope: another tenant, a soft-deleted row (with values no mapping reads)
            {"status_id": 5, "tenant_id": 2, "status_name": "Active", "abbrev": "X" * 20, "avail": 9, "sort_no": 0, "active_yn": "?", "billable_yn": "Q", "next_status_id": 99, "deleted": "N"},
            {"status_id": 6, "tenant_id": 1, "status_name": "Gone", "abbrev": None, "avail": 2, "sort_no": 0, "active_yn": "N", "billable_yn": "N", "next_status_id": None, "deleted": "Y"},
        ]
        for row in statuses:
            row.setdefault("created_on", None)
            row.setdefault("updated_on", None)
        connection.execute(vendor_a_metadata().tables["cust_status"].insert(), statuses)
        connection.execute(vendor_a_metadata().tables["dept"].insert(), [
            {"dept_id": 1, "tenant_id": 1, "dept_cd": "Field_Ops", "dept_name": "Field Operations", "deleted": "N"},
            {"dept_id": 2, "tenant_id": 1, "dept_cd": "billing", "dept_name": "Billing", "deleted": "N"},
            {"dept_id": 3, "tenant_id": 2, "dept_cd": "Field_Ops", "dept_name": "Field Operations", "deleted": "N"},
        ])
        connection.execute(vendor_a_metadata().tables["account"].insert(), [
            {"account_id": n, "tenant_id": 1 if n <= 5 else 2, "status_id": 1 if n <= 3 else (2 if n <= 5 else 4)} for n in range(1, 9)
        ])
        connection.execute(vendor_a_metadata().tables["ticket"].insert(), [{"ticket_id": 1, "dept_id": 1}])
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("cust_status", "dept", "account", "ticket"):
                key = {"cust_status": "status_id", "dept": "dept_id", "account": "account_id", "ticket": "ticket_id"}[table]
                connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), 100)")


def vendor_b_metadata(schema: str | None) -> sa.MetaData:
    metadata = sa.MetaData(schema=schema)
    sa.Table(
        "grp", metadata,
        sa.Column("grp_key", sa.Integer, sa.Identity(start=500), primary_key=True),
        sa.Column("grp_code", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("css", sa.String(64), nullable=True),
        sa.Column("ord", sa.Integer, nullable=True),
        sa.Column("is_personal", sa.Boolean, nullable=False),
        sa.Column("is_reseller", sa.SmallInteger, nullable=False),
    )
    sa.Table(
        "grp_member", metadata,
        sa.Column("member_id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("grp_key", sa.Integer, nullable=False),
    )
    return metadata


def vendor_b_mapping(schema: str | None) -> str:
    prefix = f"{schema}." if schema else ""
    return f"""
[tool]
{f'schema = "{schema}"' if schema else ''}

[kinds.groups]
table = "{prefix}grp"
key = "grp_key"
code = {{ column = "grp_code", case = "upper", separator = "_" }}
delete = "hard"

[kinds.groups.fields]
name = "label"
display_class = "css"
display_position = {{ column = "ord", null = 0 }}
personal_customer = "is_personal"
reseller = {{ column = "is_reseller", values = {{ true = 1, false = 0 }} }}

[[kinds.groups.usage]]
table = "{prefix}grp_member"
column = "grp_key"
noun = "members"
"""


def seed_vendor_b(engine: sa.Engine, schema: str | None) -> None:
    if schema and engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    metadata = vendor_b_metadata(schema)
    metadata.create_all(engine)
    grp = metadata.tables[f"{schema}.grp" if schema else "grp"]
    member = metadata.tables[f"{schema}.grp_member" if schema else "grp_member"]
    with engine.begin() as connection:
        connection.execute(grp.insert(), [
            {"grp_code": "VIP_CLIENT", "label": "VIP Client", "css": None, "ord": None, "is_personal": False, "is_reseller": 0},
            {"grp_code": "RESIDENTIAL", "label": "Residential", "css": "res", "ord": 2, "is_personal": True, "is_reseller": 0},
            {"grp_code": "LondonRegion", "label": "London Region", "css": "", "ord": 3, "is_personal": False, "is_reseller": 1},
        ])
        first = connection.execute(sa.select(grp.c.grp_key).where(grp.c.grp_code == "VIP_CLIENT")).scalar_one()
        connection.execute(member.insert(), [{"grp_key": first}, {"grp_key": first}])


def write_mapping(folder: Path, text: str) -> Path:
    path = folder / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


# Vendor C: what real schemas do that A and B don't. A table whose name needs quoting
# everywhere ("Stat List", a mixed-case "Code" column), keys the application assigns (max+1 over
# every tenant's rows), a UUID column beside the key that other tables point at, a code unique
# across tenants (wider than where), availability through a lookup table, a smallint position,
# soft delete by time with revive, a protected row, and the vendor's own history, bill-run and
# cache tables for the mapping's hooks.
VENDOR_C_STATUS = "Stat List"


def vendor_c_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "avail_type", metadata,
        sa.Column("avail_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(20), nullable=False),
    )
    sa.Table(
        VENDOR_C_STATUS, metadata,
        sa.Column("stat_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("tenant", sa.Integer, nullable=False),
        sa.Column("Code", sa.String(12), nullable=False, unique=True),
        sa.Column("label", sa.String(30), nullable=False),
        sa.Column("avail_id", sa.Integer, nullable=False),
        sa.Column("billable", sa.SmallInteger, nullable=False),
        sa.Column("pos", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("deleted_at", sa.DateTime, nullable=True),
    )
    sa.Table(
        "acct", metadata,
        sa.Column("acct_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stat_uid", sa.String(36), nullable=False),
    )
    sa.Table(
        "stat_history", metadata,
        sa.Column("hist_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("stat_id", sa.Integer, nullable=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("after", sa.Text, nullable=True),
    )
    sa.Table("bill_run", metadata, sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=False), sa.Column("state", sa.String(16)))
    sa.Table("cache_version", metadata, sa.Column("n", sa.Integer, primary_key=True, autoincrement=False))
    return metadata


def vendor_c_mapping() -> str:
    own = {
        "name": 'name = "label"',
        "availability": 'availability = { column = "avail_id", lookup = { table = "avail_type", key = "avail_id", value = "label" } }',
        "is_billable": 'is_billable = { column = "billable", values = { true = 1, false = 0 } }',
        "display_position": 'display_position = "pos"',
    }
    fields = "\n".join(own.get(spec.name, f"{spec.name} = false") for spec in get_kind("statuses").fields)
    return f'''
[[guard]]
sql = "SELECT COUNT(*) FROM bill_run WHERE state = 'running'"
message = "a bill run is in progress"

[[after_apply]]
sql = "UPDATE cache_version SET n = n + 1"

[kinds.statuses]
table = "{VENDOR_C_STATUS}"
key = "stat_id"
key_source = "max+1"
code = {{ column = "Code", case = "upper", separator = "_" }}
where = {{ tenant = 1, deleted_at = {{ null = true }} }}
delete = {{ deleted_at = {{ now = true }} }}
revive = true
protect = {{ stat_id = 1 }}

[kinds.statuses.set]
insert = {{ uid = {{ uuid = true }} }}

[kinds.statuses.fields]
{fields}

[[kinds.statuses.usage]]
table = "acct"
column = "stat_uid"
via = "uid"
noun = "accounts"

[[kinds.statuses.on_change]]
sql = "INSERT INTO stat_history (action, stat_id, code, after) VALUES (:action, :key, :code, :after)"
'''


def seed_vendor_c(engine: sa.Engine) -> None:
    metadata = vendor_c_metadata()
    metadata.create_all(engine)
    tables = metadata.tables
    from datetime import datetime

    with engine.begin() as connection:
        connection.execute(tables["avail_type"].insert(), [
            {"avail_id": 10, "label": "Headline"}, {"avail_id": 20, "label": "Standard"}, {"avail_id": 30, "label": "Historical"},
        ])
        connection.execute(tables[VENDOR_C_STATUS].insert(), [
            {"stat_id": 1, "uid": "00000000-0000-0000-0000-000000000001", "tenant": 1, "Code": "ACTIVE", "label": "Active",
             "avail_id": 10, "billable": 1, "pos": 10, "deleted_at": None},
            {"stat_id": 2, "uid": "00000000-0000-0000-0000-000000000002", "tenant": 1, "Code": "SUSPENDED", "label": "Suspended",
             "avail_id": 20, "billable": 0, "pos": 20, "deleted_at": None},
            {"stat_id": 7, "uid": "00000000-0000-0000-0000-000000000007", "tenant": 1, "Code": "OLD_PLAN", "label": "Old Plan",
             "avail_id": 30, "billable": 0, "pos": 70, "deleted_at": datetime(2024, 1, 31, 12, 0)},
            {"stat_id": 50, "uid": "00000000-0000-0000-0000-000000000050", "tenant": 2, "Code": "TRIAL", "label": "Trial",
             "avail_id": 20, "billable": 0, "pos": 5, "deleted_at": None},
        ])
        connection.execute(tables["acct"].insert(), [
            {"acct_id": 1, "stat_uid": "00000000-0000-0000-0000-000000000001"},
            {"acct_id": 2, "stat_uid": "00000000-0000-0000-0000-000000000001"},
            {"acct_id": 3, "stat_uid": "00000000-0000-0000-0000-000000000002"},
        ])
        connection.execute(tables["cache_version"].insert(), [{"n": 1}])


# Vendor D: what uses a service status, the ways real schemas hold it (Dolibarr, A2Billing).
# Subscriptions hold the status's CODE (via), charge lines hold a subscription's key (through
# it, and its code), tickets hold a component's key whose component names the status's key
# (through by key), port requests hold the status's key. Prices are NUMERIC(10,2); rows that
# fail each usage's where (inactive subscriptions, one-off charges, closed tickets) don't count.
VENDOR_D_STATUSES = ("active", "suspended", "legacy", "spare")


def vendor_d_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "svc_status", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("billable", sa.CHAR(1), nullable=False),
    )
    sa.Table(
        "subscription", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("status_code", sa.String(64), nullable=True),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.Column("active", sa.Integer, nullable=False),
    )
    sa.Table(
        "charge_line", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.Integer, nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("charge_type", sa.String(16), nullable=False),
    )
    sa.Table(
        "component", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("svc_status_id", sa.Integer, nullable=True),
    )
    sa.Table(
        "ticket", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("component_id", sa.Integer, nullable=False),
        sa.Column("is_open", sa.Integer, nullable=False),
    )
    sa.Table(
        "port_request", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("svc_status_id", sa.Integer, nullable=False),
    )
    return metadata


def vendor_d_mapping() -> str:
    fields = []
    for spec in get_kind("service-statuses").fields:
        if spec.name == "name":
            fields.append('name = "label"')
        elif spec.name == "is_billable":
            fields.append('is_billable = { column = "billable", values = { true = "Y", false = "N" } }')
        else:
            fields.append(f"{spec.name} = false")
    field_lines = "\n".join(fields)
    return f"""
[kinds.service-statuses]
table = "svc_status"
key = "id"
code = "code"
delete = "hard"

[kinds.service-statuses.fields]
{field_lines}

[[kinds.service-statuses.usage]]
table = "subscription"
column = "status_code"
via = "code"
where = {{ active = 1 }}
noun = "subscriptions"
sum = "price"
unit = "EUR a month"

[[kinds.service-statuses.usage]]
table = "charge_line"
column = "subscription_id"
via = "code"
through = {{ table = "subscription", key = "id", column = "status_code" }}
where = {{ charge_type = "recurring" }}
noun = "charge lines"
sum = "amount"
unit = "EUR a month"

[[kinds.service-statuses.usage]]
table = "ticket"
column = "component_id"
through = {{ table = "component", key = "id", column = "svc_status_id" }}
where = {{ is_open = 1 }}
noun = "open tickets"

[[kinds.service-statuses.usage]]
table = "port_request"
column = "svc_status_id"
noun = "port requests"
"""


def seed_vendor_d(engine: sa.Engine, seed: int = 7) -> None:
    """Statuses, and a deterministic spread of rows using them: active is used everywhere, legacy
    only by one active subscription (by its code), spare by nothing but rows outside every where."""
    import random
    from decimal import Decimal

    metadata = vendor_d_metadata()
    metadata.create_all(engine)
    table = metadata.tables
    chooser = random.Random(seed)
    with engine.begin() as connection:
        connection.execute(table["svc_status"].insert(), [
            {"id": n, "code": code, "label": code.title(), "billable": "N" if code == "spare" else "Y"}
            for n, code in enumerate(VENDOR_D_STATUSES, start=1)
        ])
        subscriptions = []
        for number in range(1, 61):
            code = chooser.choice(("active", "active", "suspended", None))
            subscriptions.append({
                "id": number, "status_code": code, "price": Decimal(chooser.randint(199, 9999)) / 100,
                "active": 0 if number % 7 == 0 else 1,
            })
        subscriptions.append({"id": 61, "status_code": "legacy", "price": Decimal("12.34"), "active": 1})
        subscriptions.append({"id": 62, "status_code": "spare", "price": Decimal("99.99"), "active": 0})  # outside where
        connection.execute(table["subscription"].insert(), subscriptions)
        connection.execute(table["charge_line"].insert(), [
            {"subscription_id": chooser.randint(1, 60), "amount": Decimal(chooser.randint(1, 5000)) / 100,
             "charge_type": chooser.choice(("recurring", "recurring", "one-off"))}
            for _ in range(150)
        ] + [{"subscription_id": 62, "amount": Decimal("5.00"), "charge_type": "one-off"}])
        connection.execute(table["component"].insert(), [
            {"id": n, "svc_status_id": chooser.choice((1, 1, 2, None))} for n in range(1, 11)
        ])
        connection.execute(table["ticket"].insert(), [
            {"component_id": chooser.randint(1, 10), "is_open": chooser.choice((0, 1, 1))} for _ in range(40)
        ])
        connection.execute(table["port_request"].insert(), [{"svc_status_id": chooser.choice((1, 2))} for _ in range(9)])
    if engine.dialect.name == "postgresql":
        # Rows inserted with explicit ids: move the serial sequences past them, as a vendor's
        # install should (doctor-sequence-behind otherwise, rightly).
        with engine.begin() as connection:
            for name in ("svc_status", "component"):
                connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
