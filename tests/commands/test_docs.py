"""The generated reference: complete, and failing the build when it is out of date."""

from __future__ import annotations

from pathlib import Path

import pytest

from billing_config.render.rule_catalogue import full_catalogue

CATALOGUE = full_catalogue()
from billing_config.cli import main
from billing_config.kinds import KINDS
from billing_config.render.reference import REFERENCE_PATH, reference_markdown
from tests.conftest import REPO


def test_the_committed_reference_is_up_to_date() -> None:
    committed = (REPO / REFERENCE_PATH).read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        f"{REFERENCE_PATH} is out of date with schemas/ or the rule catalogue: run `billing-config docs` and commit it"
    )


def test_the_reference_covers_every_kind_field_and_rule() -> None:
    text = reference_markdown()
    for kind in KINDS:
        assert f"(`{kind.name}`)" in text and f"`{kind.table}`" in text
        for field in kind.fields:
            assert f"| `{field.name}`" in text and field.description.split(".")[0] in text
    for rule in CATALOGUE.values():
        assert f"| [`{rule.id}`](#{rule.id}) | {rule.severity.value} |" in text
    assert "| `availability` | Availability | text | `\"Standard\"` | `Headline`, `Standard`, `Historical` |" in text
    assert "a code of [`number-statuses`](#number-status-number-statuses)" in text


def test_docs_check_fails_on_a_stale_file_and_docs_rewrites_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "docs" / "reference.md"
    assert main(["docs", "--check", "--out", str(out)]) == 1
    assert "out of date" in capsys.readouterr().out
    assert main(["docs", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == reference_markdown()
    out.write_text(out.read_text().replace("Customer status", "Client status"))
    assert main(["docs", "--check", "--out", str(out)]) == 1
    assert main(["docs", "--out", str(out)]) == 0
    assert main(["docs", "--check", "--out", str(out)]) == 0
