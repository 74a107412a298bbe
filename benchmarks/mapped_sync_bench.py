"""Plan and apply on a vendor-style mapped schema next to the reference schema (issue 9).

    .venv/bin/python benchmarks/mapped_sync_bench.py [--postgres URL] [--mariadb URL]
        [--sizes 2000,16000] [--layouts reference,mapped,bindings,usage,measured,real] [--rounds N] [--profile DIR]

The same generated tree (benchmarks/generate_tree.py, scaled: 16,000 entries = 10,000 statuses,
5,000 groups, 1,000 departments, plus the three reference lists) is planned and applied
against three layouts of the same database, one after the other:

- reference: the schema `db init` creates (the default mapping);
- mapped: a vendor-style schema built here from the kinds registry, so every field has a
  column: tables and columns named differently, Y/N CHAR(1) flags (`y` read as true too),
  availability as a SMALLINT, integers that read NULL as 0, a tenant column and soft-delete
  flag in `where`, soft delete, created/updated stamps and an insert-only `created_by`, codes
  in a `*_cd` column stored upper case with underscores (STATUS_00001 <-> status-00001), and
  usage tables (one with its own tenant `where`); some out-of-scope rows (another tenant, a
  soft-deleted row) sit in every managed table;
- bindings: the mapped layout, except that statuses (the biggest kind) have no code column,
  so the tool binds code -> key in its own table;
- usage: the mapped layout with the usage shapes of issue 15 and rows in them: statuses are
  also used by subscriptions *through* their accounts (where cancelled = 'N'), departments by
  knowledge-base articles holding the department's code (*via*); after the apply, two accounts
  per status, two subscriptions per account and an article per department are inserted, so the
  no-change plan's usage reads aggregate real rows (60,000 at 10,000 statuses);
- measured: the usage layout whose subscriptions carry a measure (sum = "monthly_price",
  unit = "GBP a month"): set beside `usage`, it shows what measures cost (issue 19);
- real: the usage layout (via and through) with keys the application assigns: no
  auto-increment, key_source = "max+1" (taken with the table locked), and a unique index on
  (tenant, code) wider than the scope, so plan reads the out-of-scope rows' codes: what real
  schemas such as Dolibarr's do (issue 15; goal: within 1.3x of the reference schema).

Each command runs in-process through the CLI (`main(argv)`), timed with the statements it
sends counted by a SQLAlchemy `before_cursor_execute` listener (an executemany batch counts
once). Per layout: plan of the all-creates change, apply --yes, and the no-change plan after
it; plans are the best of --rounds runs (default 2), apply runs once per round on a fresh
database. `doctor` runs untimed before, to check the benchmark's own mapping (apply runs its
schema checks itself, timed with it). The statement counts are printed for each tree size:
they must not grow with the number of entries. So are the grouped statements (GROUP BY: the
usage reads) a plan sends, next to the number of usage tables the layout maps: one aggregate
per usage table, whatever the entries and whether it measures.

SQLite always runs (a temporary file); PostgreSQL and MariaDB when their URL is given (or
BILLING_BENCH_POSTGRES_URL / BILLING_BENCH_MARIADB_URL is set). EVERY TABLE in those databases
is dropped first: point it at a scratch database. --profile DIR writes a cProfile file per
command of an extra, untimed round (DIR/<db>-<layout>-<size>-<step>0.prof).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO))  # tests.testing: the same database wipe the tests use

from generate_tree import AVAILABILITY, REFERENCE_LISTS, generate  # noqa: E402  (this script's own folder)
from tests.testing.databases import reset_database  # noqa: E402

from billing_config.cli import main  # noqa: E402
from billing_config.db.tool.tables import exact_collation_on_mariadb  # noqa: E402
from billing_config.kinds import KINDS, Field, Kind  # noqa: E402

LAYOUTS = ("reference", "mapped", "bindings", "usage", "measured", "real")
WITH_USAGE_ROWS = ("usage", "measured", "real")
APP_KEYS = ("real",)  # layouts whose keys the application assigns (max+1)
REAL_GOAL = 1.3  # issue 15: the real layout within 1.3x of the reference schema
STEPS = ("plan", "apply", "no-change plan")
# The vendor's table names; every other name is derived from the field's.
VENDOR_TABLES = {
    "statuses": "cust_status", "groups": "cust_group", "departments": "dept",
    "number-statuses": "num_status", "service-statuses": "svc_status", "feature-statuses": "feat_status",
}
USAGE_TABLES = {"statuses": ("account", True), "groups": ("grp_member", False), "departments": ("ticket", False)}
AVAIL_CODES = {name: number for number, name in enumerate(AVAILABILITY, start=1)}
BINDINGS_KIND = "statuses"


# --- the vendor schema ---------------------------------------------------------------------

def vendor_table(kind: Kind) -> str:
    return VENDOR_TABLES.get(kind.name, kind.table.replace("_", "")[:12])


def vendor_column(spec: Field) -> str:
    if spec.references:
        return f"{spec.name}_ref"
    if spec.name == "availability":
        return "avail"
    if spec.type == "boolean":
        return f"{spec.name}_yn"
    if spec.type == "integer":
        return f"{spec.name}_no"
    return f"{spec.name}_txt"


def code_column(kind: Kind) -> str:
    return f"{vendor_table(kind)}_cd"


def has_code_column(kind: Kind, layout: str) -> bool:
    return not (layout == "bindings" and kind.name == BINDINGS_KIND)


def vendor_metadata(layout: str) -> sa.MetaData:
    metadata = sa.MetaData()
    for kind in KINDS:
        name = vendor_table(kind)
        columns: list[sa.Column[Any]] = [
            sa.Column(f"{name}_id", sa.Integer, primary_key=True, autoincrement=layout not in APP_KEYS),
            sa.Column("tenant_id", sa.Integer, nullable=False),
        ]
        if has_code_column(kind, layout):
            columns.append(sa.Column(code_column(kind), sa.String(64), nullable=False))
        for spec in kind.fields:
            column_type: sa.types.TypeEngine[Any]
            if spec.references or spec.type == "integer":
                column_type = sa.Integer()
            elif spec.name == "availability":
                column_type = sa.SmallInteger()
            elif spec.type == "boolean":
                column_type = sa.CHAR(1)
            else:
                column_type = sa.String(spec.max_length or 64)
            nullable = spec.type != "boolean" and spec.name not in ("name", "availability")
            columns.append(sa.Column(vendor_column(spec), column_type, nullable=nullable))
        columns += [
            sa.Column("deleted", sa.CHAR(1), nullable=False, server_default="N"),
            sa.Column("created_on", sa.DateTime, nullable=True),
            sa.Column("updated_on", sa.DateTime, nullable=True),
            sa.Column("created_by", sa.String(30), nullable=True),
        ]
        indexes = [sa.Index(f"ix_{name}_scope", "tenant_id", "deleted")]
        if has_code_column(kind, layout):
            indexes.append(sa.Index(f"ux_{name}_cd", "tenant_id", code_column(kind), unique=True))
        sa.Table(name, metadata, *columns, *indexes)
    for kind_name, (usage, tenant) in USAGE_TABLES.items():
        extra = [sa.Column("tenant_id", sa.Integer, nullable=False)] if tenant else []
        sa.Table(usage, metadata, sa.Column(f"{usage}_id", sa.Integer, primary_key=True, autoincrement=True), *extra,
                 sa.Column(f"{VENDOR_TABLES[kind_name]}_id", sa.Integer, nullable=False, index=True))
    if layout in WITH_USAGE_ROWS:
        sa.Table("subscription", metadata, sa.Column("subscription_id", sa.Integer, primary_key=True, autoincrement=True),
                 sa.Column("account_id", sa.Integer, nullable=False, index=True),
                 sa.Column("monthly_price", sa.Numeric(10, 2), nullable=False),
                 sa.Column("cancelled", sa.CHAR(1), nullable=False))
        sa.Table("kb_article", metadata, sa.Column("kb_article_id", sa.Integer, primary_key=True, autoincrement=True),
                 sa.Column("dept_ref", sa.String(64), nullable=False, index=True))
    exact_collation_on_mariadb(metadata)  # exact text on MariaDB, as the reference tables have
    return metadata


def _encoding(spec: Field) -> str:
    column = vendor_column(spec)
    if spec.references:
        return f'"{column}"'
    if spec.name == "availability":
        values = ", ".join(f"{name} = {number}" for name, number in AVAIL_CODES.items())
        return f'{{ column = "{column}", values = {{ {values} }} }}'
    if spec.type == "boolean":
        return f'{{ column = "{column}", values = {{ true = ["Y", "y"], false = "N" }} }}'
    if spec.type == "integer":
        return f'{{ column = "{column}", null = 0 }}'
    return f'"{column}"'


def vendor_mapping(layout: str) -> str:
    parts = []
    for kind in KINDS:
        name = vendor_table(kind)
        lines = [f"[kinds.{kind.name}]", f'table = "{name}"', f'key = "{name}_id"']
        if layout in APP_KEYS:
            lines.append('key_source = "max+1"')
        if has_code_column(kind, layout):
            lines.append(f'code = {{ column = "{code_column(kind)}", case = "upper", separator = "_" }}')
        lines += ['where = { tenant_id = 1, deleted = "N" }', 'delete = { deleted = "Y" }']
        if not kind.managed:
            lines.append("managed = false")
        lines += ["", f"[kinds.{kind.name}.set]", 'created = "created_on"', 'last_modified = "updated_on"',
                  'insert = { created_by = "billing-config" }', "", f"[kinds.{kind.name}.fields]"]
        lines += [f"{spec.name} = {_encoding(spec)}" for spec in kind.fields]
        if kind.name in USAGE_TABLES:
            usage, tenant = USAGE_TABLES[kind.name]
            lines += ["", f"[[kinds.{kind.name}.usage]]", f'table = "{usage}"', f'column = "{name}_id"', 'noun = "uses"']
            if tenant:
                lines.append("where = { tenant_id = 1 }")
        if layout in WITH_USAGE_ROWS and kind.name == "statuses":
            lines += ["", f"[[kinds.{kind.name}.usage]]", 'table = "subscription"', 'column = "account_id"',
                      f'through = {{ table = "account", key = "account_id", column = "{name}_id" }}',
                      "where = { cancelled = \"N\" }", 'noun = "subscriptions"']
            if layout == "measured":
                lines += ['sum = "monthly_price"', 'unit = "GBP a month"']
        if layout in WITH_USAGE_ROWS and kind.name == "departments":
            lines += ["", f"[[kinds.{kind.name}.usage]]", 'table = "kb_article"', 'column = "dept_ref"',
                      f'via = "{code_column(kind)}"', 'noun = "articles"']
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _stored_row(kind: Kind, layout: str, code: str, data: dict[str, Any], tenant: int, deleted: str) -> dict[str, Any]:
    row: dict[str, Any] = {"tenant_id": tenant, "deleted": deleted, "created_by": "vendor"}
    if has_code_column(kind, layout):
        row[code_column(kind)] = code.upper().replace("-", "_")
    for spec in kind.fields:
        value = data.get(spec.name, spec.default)
        if spec.references:
            value = None
        elif spec.name == "availability":
            value = AVAIL_CODES[value]
        elif spec.type == "boolean":
            value = "Y" if value else "N"
        row[vendor_column(spec)] = value
    return row


def seed_vendor(url: str, layout: str) -> None:
    """The vendor's tables with the platform's reference lists in scope, and rows out of scope
    (another tenant, a soft-deleted one) in every table, which plan and apply must not see."""
    engine = sa.create_engine(url)
    try:
        metadata = vendor_metadata(layout)
        metadata.create_all(engine)
        with engine.begin() as connection:
            for kind in KINDS:
                rows = []
                if not kind.managed:
                    rows += [_stored_row(kind, layout, code, {"name": code.title(), "availability": "Standard"}, 1, "N")
                             for code in REFERENCE_LISTS.get(kind.name, ())]
                rows += [_stored_row(kind, layout, f"other-{n}", {"name": f"Other {n}", "availability": "Headline"}, 2, "N")
                         for n in range(3)]
                rows.append(_stored_row(kind, layout, "gone", {"name": "Gone", "availability": "Historical"}, 1, "Y"))
                if layout in APP_KEYS:  # the application gives every row its key itself
                    for number, row in enumerate(rows, start=1):
                        row[f"{vendor_table(kind)}_id"] = number * 10
                connection.execute(metadata.tables[vendor_table(kind)].insert(), rows)
    finally:
        engine.dispose()


def seed_usage_rows(url: str) -> None:
    """Rows using the applied entries, inserted by SQL in a few statements: two accounts per
    status, two subscriptions per account (one cancelled in ten), an article per department."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for _ in range(2):
                connection.execute(sa.text(
                    "INSERT INTO account (tenant_id, cust_status_id) SELECT 1, cust_status_id FROM cust_status "
                    "WHERE tenant_id = 1 AND deleted = 'N'"
                ))
            for offset in (0, 1):
                connection.execute(sa.text(
                    "INSERT INTO subscription (account_id, monthly_price, cancelled) SELECT account_id, "
                    f"(account_id % 50) + 0.99 + {offset}, CASE WHEN account_id % 10 = {offset} THEN 'Y' ELSE 'N' END FROM account"
                ))
            connection.execute(sa.text("INSERT INTO kb_article (dept_ref) SELECT dept_cd FROM dept WHERE tenant_id = 1"))
    finally:
        engine.dispose()


def usage_tables(layout: str) -> int:
    """How many usage tables the layout's mapping names (the default mapping's for reference)."""
    if layout == "reference":
        from billing_config.mapping import default_mapping

        return sum(len(kmap.usage) for kmap in default_mapping().kinds.values())
    return len(USAGE_TABLES) + (2 if layout in WITH_USAGE_ROWS else 0)


# --- measuring ---------------------------------------------------------------------------

class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.grouped = 0  # statements with GROUP BY: the usage reads
        event.listen(sa.engine.Engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self.count += 1
        # The usage reads: grouped counts (PostgreSQL's catalogue reads group too).
        if "GROUP BY" in statement.upper() and "count(*)" in statement.lower():
            self.grouped += 1

    def close(self) -> None:
        event.remove(sa.engine.Engine, "before_cursor_execute", self._seen)


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # this process's CPU seconds: less swayed by other load on the machine (no server time)
    statements: int
    code: int
    grouped: int = 0


def run_cli(counter: StatementCounter, argv: list[str], profile: Path | None = None) -> Run:
    """One CLI command in-process, timed, with the SQL statements it sent."""
    counter.count = counter.grouped = 0
    sink = io.StringIO()
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        if profiler:
            profiler.enable()
        code = main(argv)
        if profiler:
            profiler.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler and profile:
        profiler.dump_stats(profile)
    if code not in (0, 2):
        raise SystemExit(f"{argv[0]} failed ({code}):\n{sink.getvalue()[-3000:]}")
    return Run(elapsed, cpu, counter.count, code, counter.grouped)


@dataclass
class Figures:
    seconds: dict[str, float] = field(default_factory=dict)  # step -> best wall seconds
    cpu: dict[str, float] = field(default_factory=dict)  # step -> best CPU seconds
    statements: dict[str, int] = field(default_factory=dict)
    grouped: dict[str, int] = field(default_factory=dict)  # step -> GROUP BY statements

    def add(self, step: str, run: Run) -> None:
        self.grouped[step] = run.grouped
        self.seconds[step] = min(run.wall, self.seconds.get(step, float("inf")))
        self.cpu[step] = min(run.cpu, self.cpu.get(step, float("inf")))
        if self.statements.setdefault(step, run.statements) != run.statements:
            raise SystemExit(f"{step}: {run.statements} statements, {self.statements[step]} in an earlier round")


def one_round(counter: StatementCounter, url: str, tree: Path, layout: str, work: Path, figures: Figures,
              plans: int, profile: str | None) -> None:
    reset_database(url)
    target = ["--database", url, "--config-dir", str(tree)]
    if layout == "reference":
        run_cli(counter, ["db", "init", *target])
    else:
        seed_vendor(url, layout)
        mapping = work / f"{layout}.toml"
        mapping.write_text(vendor_mapping(layout), encoding="utf-8")
        target += ["--mapping", str(mapping)]
        assert run_cli(counter, ["doctor", *target]).code == 0, "doctor found problems with the benchmark's own mapping"

    def where(step: str, n: int) -> Path | None:
        return Path(f"{profile}-{step.replace(' ', '-')}{n}.prof") if profile else None

    for n in range(plans):
        figures.add("plan", run_cli(counter, ["plan", "--format", "json", *target], where("plan", n)))
    figures.add("apply", run_cli(counter, ["apply", "--yes", *target], where("apply", 0)))
    if layout in WITH_USAGE_ROWS:
        seed_usage_rows(url)
    for n in range(plans):
        run = run_cli(counter, ["plan", "--detailed-exitcode", *target], where("no-change plan", n))
        assert run.code == 0, f"{layout}: the plan after apply is not empty"
        figures.add("no-change plan", run)


def tree_of_size(work: Path, entries: int) -> Path:
    """The validator benchmark's tree scaled to `entries` managed entries (10:5:1)."""
    tree = work / f"tree-{entries}" / "config"
    generate(tree, statuses=entries * 10 // 16, groups=entries * 5 // 16, departments=entries // 16)
    return tree


def bench_database(label: str, url: str, trees: dict[int, Path], layouts: list[str], rounds: int,
                   work: Path, profile: Path | None) -> dict[tuple[int, str], Figures]:
    counter = StatementCounter()
    results: dict[tuple[int, str], Figures] = {}
    try:
        for size, tree in trees.items():
            # Rounds interleave the layouts, each round in another order, so drift in the
            # machine's load and warm caches favour none of them.
            for round_ in range(rounds):
                for layout in layouts[round_ % len(layouts):] + layouts[:round_ % len(layouts)]:
                    figures = results.setdefault((size, layout), Figures())
                    one_round(counter, url, tree, layout, work, figures, plans=2, profile=None)
            if profile:  # a round of its own: the profiler's overhead stays out of the figures
                for layout in layouts:
                    one_round(counter, url, tree, layout, work, Figures(), plans=1,
                              profile=str(profile / f"{label}-{layout}-{size}"))
    finally:
        counter.close()
    return results


def report(label: str, results: dict[tuple[int, str], Figures], layouts: list[str], validate: dict[int, float]) -> None:
    sizes = sorted({size for size, _ in results})
    print(f"\n{label}")
    print(f"  {'entries':>7} {'layout':10} " + " ".join(f"{step + ': wall stmts ratio wall/cpu':>37}" for step in STEPS))
    for size in sizes:
        reference = results.get((size, "reference"))
        for layout in layouts:
            figures = results[(size, layout)]
            cells = []
            for step in STEPS:
                cell = f"{figures.seconds[step]:6.2f} s {figures.statements[step]:4d}"
                if reference and layout != "reference":
                    cell += (f"  x{figures.seconds[step] / reference.seconds[step]:4.2f}"
                             f"/x{figures.cpu[step] / reference.cpu[step]:4.2f}")
                else:
                    cell += f"  (cpu {figures.cpu[step]:5.2f} s)"
                cells.append(f"{cell:>37}")
            print(f"  {size:7d} {layout:10} " + " ".join(cells))
        print(f"  {size:7d} {'(validate':10} {validate[size]:6.2f} s in-process: part of every plan and apply above)")
    verdicts = []
    for layout in layouts:
        if layout == "reference":
            continue
        counts = {size: tuple(results[(size, layout)].statements[s] for s in STEPS) for size in sizes}
        flat = len(set(counts.values())) == 1
        line = (f"{layout}: statements (plan, apply, no-change plan) {'independent of' if flat else 'GROW WITH'} "
                f"entry count ({', '.join(f'{size}: {c}' for size, c in counts.items())})")
        if "reference" in layouts:
            mine, ref = results[(sizes[-1], layout)], results[(sizes[-1], "reference")]
            wall = max(mine.seconds[s] / ref.seconds[s] for s in STEPS)
            cpu = max(mine.cpu[s] / ref.cpu[s] for s in STEPS)
            line += (f"; worst ratio at {sizes[-1]}: wall x{wall:.2f} ({'within' if wall <= 1.2 else 'OVER'} 20 %), "
                     f"cpu x{cpu:.2f} ({'within' if cpu <= 1.2 else 'OVER'} 20 %)")
        verdicts.append(line)
    for line in verdicts:
        print(f"  {line}")
    for layout in layouts:
        grouped = {size: results[(size, layout)].grouped["no-change plan"] for size in sizes}
        flat = len(set(grouped.values())) == 1 and grouped[sizes[0]] == usage_tables(layout)
        print(f"  {layout}: {usage_tables(layout)} usage table(s), grouped statements per plan "
              + ", ".join(f"{size}: {n}" for size, n in grouped.items())
              + (" (one aggregate per usage table)" if flat else " (NOT one per usage table)"))
    if "real" in layouts and "reference" in layouts:
        for size in sizes:
            mine, ref = results[(size, "real")], results[(size, "reference")]
            worst = max(mine.seconds[s] / ref.seconds[s] for s in ("plan", "apply"))
            worst_cpu = max(mine.cpu[s] / ref.cpu[s] for s in ("plan", "apply"))
            print(f"  {size:7d} real (max+1 keys, via and through usage) against reference, plan and apply: worst wall "
                  f"x{worst:.2f}, cpu x{worst_cpu:.2f} (goal within x{REAL_GOAL}: {'met' if worst <= REAL_GOAL else 'NOT met'})")
    if "usage" in layouts and "measured" in layouts:
        for size in sizes:
            bare, measured = results[(size, "usage")], results[(size, "measured")]
            step = "no-change plan"
            print(f"  {size:7d} {step} with measures {measured.seconds[step]:.2f} s ({measured.statements[step]} stmts), "
                  f"without {bare.seconds[step]:.2f} s ({bare.statements[step]} stmts): "
                  f"x{measured.seconds[step] / bare.seconds[step]:.2f} wall, x{measured.cpu[step] / bare.cpu[step]:.2f} cpu")


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("BILLING_BENCH_POSTGRES_URL"))
    parser.add_argument("--mariadb", default=os.environ.get("BILLING_BENCH_MARIADB_URL"))
    parser.add_argument("--sizes", default="2000,16000", help="managed entries per tree, comma-separated")
    parser.add_argument("--layouts", default=",".join(LAYOUTS))
    parser.add_argument("--rounds", type=int, default=2, help="fresh databases per layout (best time kept)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile files of an extra round here")
    args = parser.parse_args()
    layouts = [name for name in args.layouts.split(",") if name]
    if unknown := set(layouts) - set(LAYOUTS):
        parser.error(f"unknown layouts {sorted(unknown)}; choose from {LAYOUTS}")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    work = Path(tempfile.mkdtemp(prefix="billing-mapped-bench-"))
    try:
        trees = {int(size): tree_of_size(work, int(size)) for size in args.sizes.split(",")}
        validate = {}
        for size, tree in trees.items():
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                started = time.perf_counter()
                main(["validate", "--config-dir", str(tree)])
                validate[size] = time.perf_counter() - started
        targets = [] if args.no_sqlite else [("sqlite", f"sqlite:///{work / 'bench.db'}")]
        if args.postgres:
            targets.append(("postgresql", args.postgres))
        if args.mariadb:
            targets.append(("mariadb", args.mariadb))
        print("seconds (best of the rounds), SQL statements sent, and x ratio to the reference schema")
        for label, url in targets:
            results = bench_database(label, url, trees, layouts, args.rounds, work, args.profile)
            report(label, results, layouts, validate)
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main_bench()
