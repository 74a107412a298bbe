"""Cross-references between entries: next statuses and related statuses must exist.

Which fields refer to which kind comes from the registry (``Kind.references``); a field that
refers to its own kind (``Kind.self_references``) is also checked for pointing at itself and
for loops.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from billing_config.findings import Finding, did_you_mean, finding, shorten
from billing_config.kinds import KINDS, Kind, get_kind, is_valid_code
from billing_config.loader import Document, format_json_path

Index = Mapping[str, Mapping[str, Document]]  # kind name -> code -> document


def index_documents(documents: Sequence[Document]) -> dict[str, dict[str, Document]]:
    index: dict[str, dict[str, Document]] = {kind.name: {} for kind in KINDS}
    for document in documents:
        index[document.kind][document.code] = document
    return index


def check_references(index: Index, present: Mapping[str, Collection[str]] | None = None) -> list[Finding]:
    """present: codes of entry files that exist, loaded or not (see rules.check_tree)."""
    findings: list[Finding] = []
    present = present or {}
    for kind in KINDS:
        if not kind.references:
            continue
        for document in index[kind.name].values():
            for field, target_name in kind.references.items():
                value = document.data.get(field)
                if not isinstance(value, str) or not is_valid_code(value):
                    continue  # absent, null, or not a code at all: the schema reports those
                if value not in index[target_name] and value in present.get(target_name, ()):
                    continue  # the file exists but could not be loaded; that is reported already
                findings.extend(_check_one(kind, document, field, value, get_kind(target_name), index))
    findings.extend(_check_cycles(index))
    return findings


def _check_one(kind: Kind, document: Document, field: str, value: str, target: Kind, index: Index) -> list[Finding]:
    def make(rule: str, message: str) -> Finding:
        line, column = document.locate((field,))
        return finding(
            rule, document.path, line, column, message,
            kind=kind.name, code=document.code, json_path=format_json_path((field,)),
        )

    if field in kind.self_references and value == document.code:
        return [
            make("next-status-self", f"{field} is this {kind.singular} itself; name another {kind.singular} or remove the line")
        ]
    if value in index[target.name]:
        return []
    holders = [other for other in KINDS if other.name != target.name and value in index[other.name]]
    if holders:
        other = holders[0]
        return [
            make(
                "wrong-kind-reference",
                f"{field} is {shorten(value)}, which is a {other.singular} ({index[other.name][value].path}), "
                f"not a {target.singular}; name an entry of config/{target.name}/",
            )
        ]
    hint = did_you_mean(value, index[target.name])
    return [
        make(
            "unknown-reference",
            f"{field} is {shorten(value)}, but there is no {target.singular} with that code{hint}; "
            f"add config/{target.name}/{value}.yaml or name an existing one",
        )
    ]


def _check_cycles(index: Index) -> list[Finding]:
    """Report each loop through a self-reference once, at its alphabetically first member."""
    findings: list[Finding] = []
    for kind in KINDS:
        for field in kind.self_references:
            findings.extend(_cycles_through(kind, field, index[kind.name]))
    return findings


def _cycles_through(kind: Kind, field: str, entries: Mapping[str, Document]) -> list[Finding]:
    findings: list[Finding] = []
    following = {
        code: value for code, document in entries.items() if isinstance(value := document.data.get(field), str)
    }
    finished: set[str] = set()
    for start in sorted(following):
        trail: list[str] = []
        on_trail: set[str] = set()
        code: str | None = start
        while code is not None and code in following and code not in finished and code not in on_trail:
            trail.append(code)
            on_trail.add(code)
            code = following[code]
        if code is not None and code in on_trail:
            loop = trail[trail.index(code):]
            if len(loop) > 1:  # a one-entry loop is reported as pointing at itself
                first = min(loop)
                turn = loop.index(first)
                ordered = loop[turn:] + loop[:turn]
                document = entries[first]
                line, column = document.locate((field,))
                findings.append(
                    finding(
                        "next-status-cycle", document.path, line, column,
                        f"following {field} from '{first}' comes back to it "
                        f"({' → '.join([*ordered, first])}); end the chain with a {kind.singular} that has no {field}",
                        kind=kind.name, code=first, json_path=format_json_path((field,)),
                    )
                )
        finished.update(trail)
    return findings
