"""A target narrower than the config: values it cannot store are located findings
(target-limit, target-value), offline from what the mapping states and with the catalogue's
facts at plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from billing_config.loader import Document
from billing_config.mapping import TableName, parse_mapping
from billing_config.mapping.limits import ColumnFacts, target_findings
from tests.testing.files import write_entry

MAPPING = '''[kinds.departments]
table = "dept"
key = "dept_id"
code = { column = "dept_cd", case = "upper", separator = "_", max_length = 12 }

[kinds.departments.fields]
name = { column = "dept_name", max_length = 20 }

[kinds.groups]
table = "grp"
key = "id"

[kinds.groups.fields]
name = "label"
display_class = false
display_position = "pos"
personal_customer = { column = "kind", values = { true = "P" } }
reseller = false
'''


def document(kind: str, code: str, data: dict[str, object]) -> Document:
    from billing_config.loader.document import Span

    spans = {(name,): Span(number, 1, number, len(name) + 3) for number, name in enumerate(data, start=2)}
    return Document(kind, code, f"config/{kind}/{code}.yaml", data, spans)


def rules(found: list[object]) -> list[tuple[str, int, str]]:
    return [(f.rule, f.line, f.message) for f in found]  # type: ignore[attr-defined]


def test_stated_limits_are_checked_offline() -> None:
    mapping = parse_mapping(MAPPING, "m.toml")
    documents = [
        document("departments", "customer-services", {"name": "Customer Services"}),
        document("departments", "sales", {"name": "Sales and Retentions Team"}),
        document("groups", "vip", {"name": "VIP", "reseller": True}),
        document("groups", "homes", {"name": "Homes", "personal_customer": False}),
        document("groups", "shops", {"name": "Shops", "personal_customer": True}),
    ]
    found = rules(target_findings(documents, mapping))
    assert found[0][0] == "target-limit" and "stored as 'CUSTOMER_SERVICES'" in found[0][2] and "at most 12 characters" in found[0][2]
    assert ("target-limit", 2) == found[1][:2] and "names on this target: at most 20 characters" in found[1][2]
    vip = [f for f in found[2:] if "reseller" in f[2]]
    assert vip and vip[0][0] == "target-value" and "no column for it" in vip[0][2] and vip[0][1] == 3
    homes = [f for f in found if "personal_customer false has no stored value" in f[2]]
    assert homes and homes[0][0] == "target-value" and '(grp.kind stores true only)' in homes[0][2]
    # vip leaves personal_customer out, and its default (false) has no stored value either;
    # shops holds a value the encoding has
    assert len(found) == 5 and not any("shops" in f[2] for f in found)


def test_the_catalogue_narrows_further_and_knows_integer_ranges() -> None:
    mapping = parse_mapping(MAPPING, "m.toml")

    def facts(table: TableName, column: str) -> ColumnFacts | None:
        return {
            "dept_name": ColumnFacts("VARCHAR(10)", length=10),
            "pos": ColumnFacts("SMALLINT", range=(-32768, 32767)),
            "label": ColumnFacts("CHAR(20)", length=20, fixed=True),
        }.get(column)

    documents = [
        document("departments", "sales", {"name": "Sales Team 1"}),
        document("groups", "big", {"name": "Big", "display_position": 40000, "personal_customer": True}),
    ]
    found = rules(target_findings(documents, mapping, facts))
    assert "at most 10 characters" in found[0][2]
    assert found[1][0] == "target-limit" and "SMALLINT, which holds -32768 to 32767" in found[1][2]


def test_a_left_out_field_at_a_default_the_target_lacks_says_so() -> None:
    mapping = parse_mapping(MAPPING, "m.toml")
    found = rules(target_findings([document("groups", "plain", {"name": "Plain"})], mapping))
    assert found and "left out of the file" in found[0][2] and found[0][1] == 1


def test_validate_with_a_mapping_reports_them_located(tmp_path: Path, config_tree: Path, cli: Callable[..., object]) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING.replace("[kinds.groups]", "[kinds.groups_unused]").split("[kinds.groups_unused]")[0], encoding="utf-8")
    write_entry(config_tree, "departments", "sales-and-retention", "name: Sales and Retention Team\n")
    result = cli("validate", "--config-dir", str(config_tree), "--mapping", str(mapping))
    assert result.code == 1  # type: ignore[attr-defined]
    out = result.out  # type: ignore[attr-defined]
    assert "sales-and-retention.yaml:1:1: error target-limit the code 'sales-and-retention'" in out
    assert "sales-and-retention.yaml:1:7: error target-limit name is 24 characters" in out
    assert cli("validate", "--config-dir", str(config_tree)).code == 0  # type: ignore[attr-defined]
    missing = cli("validate", "--config-dir", str(config_tree), "--target", "nowhere")
    assert missing.code == 1 and "no [targets.nowhere] table" in missing.err or "billing-config.toml" in missing.err  # type: ignore[attr-defined]
