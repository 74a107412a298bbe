"""Damaged input never ends in "internal error" (issue 16, item 8): a seeded mutator throws
mutated mapping files, billing-config.toml files, saved plans and recorded-state rows at every
command, through main(argv), and fails on any internal error or traceback.

Deterministic (one seed per case, printed with the input on failure, so a failure replays)
and quick: part of the normal run (.ci/run). FUZZ_ROUNDS=N multiplies the rounds for a longer
hunt: ``FUZZ_ROUNDS=20 pytest tests/test_cli_fuzz.py``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from billing_config.cli import main
from tests.conftest import CONFIG, REPO
from tests.scenarios.vendor_schemas import seed_vendor_a, vendor_a_mapping
from tests.testing.hostile import HOSTILE

ROUNDS = int(os.environ.get("FUZZ_ROUNDS", "1"))
EXIT_CODES = {0, 1, 2, 3}


# --- random values and their TOML / JSON text ------------------------------------------------


def random_scalar(rng: random.Random) -> Any:
    return rng.choice([
        lambda: rng.choice(HOSTILE),
        lambda: rng.choice(["", "x", "statuses", "departments", "id", "code", "name", "hard", "max+1", "N", "sha256:00", "BILLING_X"]),
        lambda: rng.randint(-(2**63), 2**63 - 1),
        lambda: rng.choice([0, 1, -1, 10**30]),
        lambda: rng.choice([True, False]),
        lambda: rng.choice([0.5, -1e300, float("inf")]),
        lambda: "".join(rng.choice("abc_-.\"'\\ \t\n\x7f\x00é") for _ in range(rng.randint(0, 8))),
    ])()


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 2 and roll < 0.12:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and roll < 0.24:
        return {str(random_scalar(rng)) if rng.random() < 0.3 else rng.choice(["column", "values", "table", "sequence", "uuid"]): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return random_scalar(rng)


_TOML_ESCAPE = {ord(c): f"\\u{ord(c):04x}" for c in [*map(chr, range(0x20)), "\x7f"] if c not in "\t"}


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').translate(_TOML_ESCAPE) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if -(2**63) <= value < 2**63 else toml_string(str(value))
    if isinstance(value, float):
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(value, repr(value))
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_string(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    return toml_string(str(value))  # datetimes and the like


def toml_text(document: dict[str, Any]) -> str:
    """A TOML document as one inline table per top-level key (any nesting is valid TOML)."""
    return "".join(f"{toml_string(key)} = {toml_value(value)}\n" for key, value in document.items())


# --- structural mutation ---------------------------------------------------------------------


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def mutate_structure(rng: random.Random, document: Any, times: int) -> Any:
    document = json.loads(json.dumps(document, default=str))
    for _ in range(times):
        where = rng.choice(list(paths(document)))
        if not where:
            continue
        parent = document
        for part in where[:-1]:
            parent = parent[part]
        last = where[-1]
        action = rng.random()
        if action < 0.25 and isinstance(parent, dict):
            del parent[last]
        elif action < 0.35 and isinstance(parent, dict):
            parent[rng.choice([str(random_scalar(rng)), "extra", "where", "delete", "key_source", "via", "through"])] = random_value(rng)
        elif action < 0.45 and isinstance(parent, list):
            parent.append(random_value(rng))
        else:
            parent[last] = random_value(rng)
    return document


def mutate_text(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    action = rng.random()
    if not lines:
        return rng.choice(HOSTILE)
    index = rng.randrange(len(lines))
    if action < 0.25:
        del lines[index]
    elif action < 0.45:
        lines.insert(index, lines[rng.randrange(len(lines))])
    elif action < 0.6:
        return text[: rng.randrange(len(text) + 1)]
    elif action < 0.8:
        lines[index] = lines[index][: rng.randrange(len(lines[index]) + 1)] + rng.choice(HOSTILE)
    else:
        lines.insert(index, f"{toml_string(str(random_scalar(rng)))} = {toml_value(random_value(rng))}")
    return "\n".join(lines) + "\n"


# --- the playground -------------------------------------------------------------------------


@dataclass
class Playground:
    root: Path
    config: Path
    reference: Path  # a pristine reference database (sample data applied)
    vendor: Path  # a pristine vendor-A database
    database: Path  # the copy a command runs on

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"

    def fresh(self, source: Path) -> str:
        shutil.copyfile(source, self.database)
        return self.url


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Playground:
    root = tmp_path_factory.mktemp("fuzz")
    config = root / "config"
    shutil.copytree(CONFIG, config)
    reference, vendor = root / "reference.db", root / "vendor.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("BILLING_DATABASE_URL", raising=False)
        assert main(["db", "init", "--database", f"sqlite:///{reference}", "--config-dir", str(config), "--sample-data"]) == 0
        assert main(["apply", "--yes", "--database", f"sqlite:///{reference}", "--config-dir", str(config)]) == 0
    engine = sa.create_engine(f"sqlite:///{vendor}")
    seed_vendor_a(engine)
    engine.dispose()
    return Playground(root, config, reference, vendor, root / "run.db")


def run(capsys: pytest.CaptureFixture[str], argv: list[str], shown: str) -> None:
    """One command; anything but a clear message and an exit code is a failure."""
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse
        code = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    problem = "internal error" in captured.err or "Traceback" in captured.err or code not in EXIT_CODES
    assert not problem, f"{argv}\n--- input ---\n{shown}\n--- stderr ---\n{captured.err}"


def rounds(base: int) -> range:
    return range(base * ROUNDS)


# --- the cases --------------------------------------------------------------------------------

MAPPING_COMMANDS: list[Callable[[Playground, Path], list[str]]] = [
    lambda p, m: ["doctor", "--database", p.fresh(p.vendor), "--mapping", str(m), "--config-dir", str(p.config)],
    lambda p, m: ["plan", "--database", p.fresh(p.vendor), "--mapping", str(m), "--config-dir", str(p.config)],
    lambda p, m: ["apply", "--yes", "--database", p.fresh(p.vendor), "--mapping", str(m), "--config-dir", str(p.config)],
    lambda p, m: ["drift", "--database", p.fresh(p.vendor), "--mapping", str(m), "--config-dir", str(p.config)],
    lambda p, m: ["export", "--database", p.fresh(p.vendor), "--mapping", str(m), "--config-dir", str(p.root / "exported")],
    lambda p, m: ["adopt", "--yes", "--database", p.fresh(p.vendor), "--mapping", str(m), "--config-dir", str(p.root / "adopted")],
    lambda p, m: ["adopt", "--propose", str(p.root / "proposal.toml"), "--database", p.fresh(p.vendor), "--mapping", str(m)],
    lambda p, m: ["rename", "departments", "billing", "billing-team", "--database", p.fresh(p.vendor), "--mapping", str(m),
                  "--config-dir", str(p.root / "adopted")],
    lambda p, m: ["plan", "--database", p.fresh(p.reference), "--mapping", str(m), "--config-dir", str(p.config)],
]


def test_mutated_mapping_files(playground: Playground, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    base = tomllib.loads(vendor_a_mapping())
    mapping = playground.root / "mapping.toml"
    for number in rounds(81):
        rng = random.Random(f"mapping-{number}")
        if rng.random() < 0.7:
            text = toml_text(mutate_structure(rng, base, rng.randint(1, 4)))
        else:
            text = mutate_text(rng, vendor_a_mapping())
        mapping.write_text(text, encoding="utf-8")
        command = MAPPING_COMMANDS[number % len(MAPPING_COMMANDS)]
        run(capsys, command(playground, mapping), f"seed mapping-{number}:\n{text}")


TOML_COMMANDS: list[Callable[[Playground], list[str]]] = [
    lambda p: ["plan", "--target", "test", "--config-dir", str(p.config)],
    lambda p: ["apply", "--yes", "--target", "test", "--config-dir", str(p.config)],
    lambda p: ["drift", "--target", "test", "--config-dir", str(p.config)],
    lambda p: ["doctor", "--target", "test", "--config-dir", str(p.config)],
    lambda p: ["export", "--target", "test", "--config-dir", str(p.config), "--only-drift"],
    lambda p: ["plan", "--database", p.url, "--config-dir", str(p.config), "--format", "markdown"],
    lambda p: ["adopt", "--propose", str(p.root / "proposal.toml"), "--target", "test", "--config-dir", str(p.config)],
    lambda p: ["rename", "departments", "sales", "sales-team", "--target", "test", "--config-dir", str(p.config)],
    lambda p: ["db", "init", "--target", "test", "--config-dir", str(p.config)],
]


def test_mutated_billing_config_toml(playground: Playground, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    base_text = (
        '[targets.test]\nurl_env = "BILLING_FUZZ_URL"\nmapping = "mapping.toml"\n\n'
        '[[allow]]\nkind = "groups"\nrule = "max-update-percent"\nlimit = 100\nchanges = "sha256:00"\nreason = "x"\n'
    )
    base = tomllib.loads(base_text)
    toml = playground.root / "billing-config.toml"
    (playground.root / "mapping.toml").write_text(vendor_a_mapping(), encoding="utf-8")
    config = playground.config
    try:
        for number in rounds(45):
            rng = random.Random(f"toml-{number}")
            text = toml_text(mutate_structure(rng, base, rng.randint(1, 3))) if rng.random() < 0.7 else mutate_text(rng, base_text)
            toml.write_text(text, encoding="utf-8")
            playground.fresh(playground.reference)
            monkeypatch.setenv("BILLING_FUZZ_URL", playground.url)
            command = TOML_COMMANDS[number % len(TOML_COMMANDS)]
            run(capsys, command(playground), f"seed toml-{number}:\n{text}")
            shutil.rmtree(config)
            shutil.copytree(CONFIG, config)
    finally:
        toml.unlink(missing_ok=True)


def test_mutated_plan_files(playground: Playground, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    url = playground.fresh(playground.reference)
    config = playground.root / "plan-config"
    shutil.copytree(CONFIG, config, dirs_exist_ok=True)
    sales = config / "departments" / "sales.yaml"
    sales.write_text(sales.read_text().replace("name: Sales", "name: Sales Team"))
    saved = playground.root / "plan.json"
    capsys.readouterr()
    assert main(["plan", "--database", url, "--config-dir", str(config), "--out", str(saved)]) == 0
    base = json.loads(saved.read_text())
    for number in rounds(44):
        rng = random.Random(f"plan-{number}")
        text = json.dumps(mutate_structure(rng, base, rng.randint(1, 4))) if rng.random() < 0.8 else mutate_text(rng, json.dumps(base, indent=1))
        saved.write_text(text, encoding="utf-8")
        playground.fresh(playground.reference)
        run(capsys, ["apply", "--database", url, "--config-dir", str(config), "--plan", str(saved)], f"seed plan-{number}:\n{text}")


STATE_VALUES = [
    "[1, 2", "123", '"abc"', "null", "{}", '{"name": 5}', "[]", "true", '{"name": "\\u001b[2K"}', "", "\x00", "1e999",
    '{"name": {"nested": [1]}}', "not json at all",
]
STATE_COMMANDS: list[Callable[[Playground], list[str]]] = [
    lambda p: ["drift", "--database", p.url, "--config-dir", str(p.config)],
    lambda p: ["drift", "--database", p.url, "--config-dir", str(p.config), "--format", "json"],
    lambda p: ["plan", "--database", p.url, "--config-dir", str(p.config)],
    lambda p: ["apply", "--yes", "--database", p.url, "--config-dir", str(p.config)],
    lambda p: ["export", "--only-drift", "--database", p.url, "--config-dir", str(p.root / "state-export")],
    lambda p: ["rename", "departments", "sales", "sales-team", "--database", p.url, "--config-dir", str(p.root / "state-config")],
]


def test_tampered_recorded_state_rows(playground: Playground, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    columns = ["values", "values", "values", "kind", "code", "managed", "git_commit", "run_id", "applied_at"]
    for number in rounds(36):
        rng = random.Random(f"state-{number}")
        url = playground.fresh(playground.reference)
        column = columns[number % len(columns)]
        value: Any = rng.choice(STATE_VALUES) if column == "values" else rng.choice([*STATE_VALUES, 7, -1, 2.5, "2026-13-45 99:99:99"])
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            rowid = connection.execute(sa.text("SELECT rowid FROM config_applied_state ORDER BY rowid")).scalars().all()
            connection.execute(
                sa.text(f'UPDATE config_applied_state SET "{column}" = :value WHERE rowid = :rowid'),
                {"value": value, "rowid": rng.choice(rowid)},
            )
        engine.dispose()
        shutil.rmtree(playground.root / "state-config", ignore_errors=True)
        shutil.copytree(CONFIG, playground.root / "state-config")
        command = STATE_COMMANDS[number % len(STATE_COMMANDS)]
        run(capsys, command(playground), f"seed state-{number}: {column} = {value!r}")


# --- the command line: paths of the wrong kind, database URLs of every shape ---------------

PATH_COMMANDS = [
    "validate --config-dir {p}", "fmt --check --config-dir {p}", "fmt {p}", "new status Extra --config-dir {p}",
    "graph --config-dir {p}", "docs --out {p}", "db init --database {url} --config-dir {p}",
    "plan --database {url} --config-dir {p}", "plan --database {url} --config-dir {config} --out {p}",
    "apply --database {url} --config-dir {config} --plan {p}", "export --database {url} --config-dir {p}",
    "drift --database {url} --config-dir {p}", "doctor --database {url} --mapping {p}",
    "adopt --yes --database {url} --config-dir {p}", "adopt --database {url} --propose {p}",
    "adopt --database {url} --codes {p}", "rename departments sales sales-team --config-dir {p}",
    "init {p}", "init --check {p}", "plan --database sqlite:///{p}", "db init --database sqlite:///{p}",
]


def test_paths_of_the_wrong_kind(playground: Playground, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A file where a folder belongs, a folder where a file belongs, a path under a file, a
    missing path: regression for `init` onto a file (FileExistsError) and `export` under one."""
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    monkeypatch.chdir(playground.root)
    (playground.root / "a-file").write_text("not a folder\n")
    (playground.root / "a-folder").mkdir(exist_ok=True)
    for template in PATH_COMMANDS:
        for path in ("a-file", "a-folder", "a-file/below", "missing/below", "/dev/null"):
            argv = template.format(p=path, url=playground.fresh(playground.reference), config=playground.config).split()
            run(capsys, argv, f"path {path!r}")


URLS = [
    "mysql+pymysql://root@127.0.0.1:1", "mysql+pymysql://root@127.0.0.1:1/", "postgresql+psycopg://u@127.0.0.1:1",
    "postgresql+psycopg://u:pw@127.0.0.1:1/billing", "mysql+pymysql://root:pw@127.0.0.1:1/billing?connect_timeout=abc",
    "postgresql+psycopg://u@127.0.0.1:notaport/billing", "sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite:///missing/x.db",
    "sqlite:///file:x.db?mode=ro&uri=true", "", "://", "oracle://u@h/db", "postgresql+psycopg://[::1/billing", "\x1b[2K",
    "mysql+pymysql://root@127.0.0.1:1/bill\ning", "postgresql+nodriver://u@h/db", "sqlite+pysqlite:///{root}/missing.db",
]
URL_COMMANDS = [
    "doctor", "plan", "apply --yes", "drift", "export --config-dir {root}/url-export", "adopt --yes --config-dir {root}/url-adopt",
    "rename departments sales sales-team", "db init", "db init --sample-data",
]


def test_database_urls_of_every_shape(playground: Playground, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a URL without a database ended in an internal error on MariaDB."""
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    monkeypatch.chdir(playground.root)
    for number, url in enumerate(URLS):
        for command in URL_COMMANDS[number % 3 :: 3]:
            argv = [*command.format(root=playground.root).split(), "--database", url.format(root=playground.root),
                    "--config-dir", str(playground.config)]
            if "--config-dir" in command:
                argv = argv[:-2]
            run(capsys, argv, f"url {url!r}")
