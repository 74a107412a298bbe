"""Cross-references between entries: next statuses and related statuses must exist.

Which fields refer to which kind comes from the registry (``Kind.references``); a field that
refers to its own kind (``Kind.self_references``) is also checked for pointing at itself and
for loops.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from billing_config.findings import E, Finding, declare, did_you_mean, finding, shorten
from billing_config.kinds import CODE_MAX_LENGTH, KINDS, Kind, get_kind, is_valid_code
from billing_config.loader import Document, format_json_path
from billing_config.rules.changes import ChangeProbe, ChangeSet, no_changes
from billing_config.rules.wording import slug, yaml_line

Index = Mapping[str, Mapping[str, Document]]  # kind name -> code -> document

UNKNOWN = declare(
    "unknown-reference", E, "references", "A reference to an entry that does not exist.",
    reason="The platform stores a reference as the id of an existing entry: a code with no file behind it "
    "cannot be applied. It is usually a typo, or an entry removed or renamed while others still name it.",
    mistake="next_status: ex-custmer",
    fix="next_status: ex-customer",
)
WRONG_KIND = declare(
    "wrong-kind-reference", E, "references",
    "A reference to an entry of another kind, such as a service status where a number status belongs.",
    reason="Each reference field names an entry of one kind; kinds can share codes ('active' is a customer, "
    "number, service and feature status), so the code alone must exist in the right folder.",
    mistake="# config/statuses/active.yaml\nrelated_number_status: pending      # a service status",
    fix="# config/statuses/active.yaml\nrelated_number_status: active",
)
NOT_A_CODE = declare(
    "reference-not-a-code", E, "references", "A reference field holding something that is not a code, such as a name.",
    reason="References name an entry by its code, the file name without .yaml, which never changes when the "
    "entry's name does.",
    mistake="next_status: Ex-Customer",
    fix="next_status: ex-customer",
)
SELF = declare(
    "next-status-self", E, "references", "A status whose next status is itself.",
    reason="Customers would move from the status to itself for ever; a status with no next step has no next_status.",
    mistake="# config/statuses/ceased.yaml\nnext_status: ceased",
    fix="# config/statuses/ceased.yaml\nnext_status: ex-customer",
)
CYCLE = declare(
    "next-status-cycle", E, "references", "Following next statuses comes back to where it started.",
    reason="Automatic progression would go round the loop for ever; a lifecycle ends in a status with no next_status.",
    mistake="# ceased.yaml\nnext_status: ex-customer\n# ex-customer.yaml\nnext_status: ceased",
    fix="# ceased.yaml\nnext_status: ex-customer\n# ex-customer.yaml\nnext_status: null",
)


def index_documents(documents: Sequence[Document]) -> dict[str, dict[str, Document]]:
    index: dict[str, dict[str, Document]] = {kind.name: {} for kind in KINDS}
    for document in documents:
        index[document.kind][document.code] = document
    return index


def check_references(
    index: Index, present: Mapping[str, Collection[str]] | None = None, changes: ChangeProbe = no_changes
) -> list[Finding]:
    """present: codes of entry files that exist, loaded or not (see rules.check_tree); changes:
    what this change removed or renamed, asked only when a reference is broken."""
    findings: list[Finding] = []
    present = present or {}
    for kind in KINDS:
        if not kind.references:
            continue
        for document in index[kind.name].values():
            for field, target_name in kind.references.items():
                value = document.data.get(field)
                if not isinstance(value, str):
                    continue  # absent or null; anything else not text is the schema's to report
                if not is_valid_code(value):
                    findings.append(_not_a_code(kind, document, field, value, get_kind(target_name), index))
                    continue
                if value not in index[target_name] and value in present.get(target_name, ()):
                    continue  # the file exists but could not be loaded; that is reported already
                findings.extend(_check_one(kind, document, field, value, get_kind(target_name), index, changes))
    findings.extend(_check_cycles(index))
    return findings


def _advisable(kind: Kind, document: Document, field: str, value: str, target: Kind, index: Index) -> bool:
    """Whether ``field: value`` is a line worth telling the admin to write: it names an entry of
    the right kind, and for a field naming this kind's own entries, neither this entry itself
    nor one whose chain leads back to it. Advice the next validate rejects is worse than none."""
    if value not in index[target.name]:
        return False
    if field not in kind.self_references:
        return True
    seen = {document.code}
    code: object = value
    while isinstance(code, str) and code in index[kind.name]:
        if code in seen:
            return False
        seen.add(code)
        code = index[kind.name][code].data.get(field)
    return True


def _at(kind: Kind, document: Document, field: str, rule: str, message: str) -> Finding:
    line, column = document.locate((field,))
    return finding(
        rule, document.path, line, column, message,
        kind=kind.name, code=document.code, json_path=format_json_path((field,)),
    )


def _not_a_code(kind: Kind, document: Document, field: str, value: str, target: Kind, index: Index) -> Finding:
    """A name, or a code in capitals, where a code belongs: name the entry that was meant."""
    entries = index[target.name]
    wanted = value.strip().casefold()
    meant = next((code for code, entry in entries.items() if str(entry.data.get("name", "")).strip().casefold() == wanted), None)
    if meant is not None:
        why = f"the {target.singular}'s name; a reference holds its code, the file name"
    elif slug(value) in entries:
        meant = slug(value)
        why = "codes are lower-case words joined by hyphens"
    if meant is not None and not _advisable(kind, document, field, meant, target, index):
        return _at(
            kind, document, field, NOT_A_CODE,
            f"{field} is {shorten(value)}, {why}; but '{meant}' "
            + ("is this entry itself" if meant == document.code else f"would lead back here through its own {field}")
            + f": name another {target.singular} by its code, or write {yaml_line(field, None)}",
        )
    if meant is not None:
        return _at(kind, document, field, NOT_A_CODE, f"{field} is {shorten(value)}, {why}: write {yaml_line(field, meant)}")
    if len(value) > CODE_MAX_LENGTH and is_valid_code(value[:CODE_MAX_LENGTH]):
        return _at(
            kind, document, field, NOT_A_CODE,
            f"{field} is {len(value)} characters long, and no code is longer than {CODE_MAX_LENGTH}; "
            f"name a {target.singular} by its file name under config/{target.name}/",
        )
    return _at(
        kind, document, field, NOT_A_CODE,
        f"{field} is {shorten(value)}, which is not a code: name a {target.singular} by its file name under "
        f"config/{target.name}/ (lower-case words joined by hyphens, such as '{next(iter(sorted(entries)), 'ex-customer')}')",
    )


def _check_one(
    kind: Kind, document: Document, field: str, value: str, target: Kind, index: Index, changes: ChangeProbe
) -> list[Finding]:
    def make(rule: str, message: str) -> Finding:
        return _at(kind, document, field, rule, message)

    if field in kind.self_references and value == document.code:
        return [
            make(SELF, f"{field} is this {kind.singular} itself; name another {kind.singular} or write {yaml_line(field, None)}")
        ]
    if value in index[target.name]:
        return []
    gone = _removed_here(kind, target, value, field, document, changes(), index)
    if gone is not None:
        return [make(UNKNOWN, f"{field} is {shorten(value)}, but {gone}")]
    holders = [other for other in KINDS if other.name != target.name and value in index[other.name]]
    if holders:
        other = holders[0]
        return [
            make(
                WRONG_KIND,
                f"{field} must name a {target.singular}, and there is no config/{target.name}/{value}.yaml; "
                f"'{value}' is a {other.singular} ({index[other.name][value].path}). Name an entry of config/{target.name}/",
            )
        ]
    hint = did_you_mean(value, [code for code in index[target.name] if _advisable(kind, document, field, code, target, index)])
    if hint:
        meant = hint.split("'")[1]
        return [
            make(
                UNKNOWN,
                f"{field} is {shorten(value)}, but there is no {target.singular} with that code{hint}; write {yaml_line(field, meant)}",
            )
        ]
    return [
        make(
            UNKNOWN,
            f"{field} is {shorten(value)}, but there is no {target.singular} with that code; "
            f"add config/{target.name}/{value}.yaml or name an existing one",
        )
    ]


def _removed_here(
    kind: Kind, target: Kind, value: str, field: str, document: Document, changes: ChangeSet | None, index: Index
) -> str | None:
    """The end of the message when this change removed or renamed the entry named."""
    if changes is None:
        return None
    relative = f"{target.name}/{value}.yaml"
    renamed_to = changes.renamed.get(relative)
    if renamed_to is not None:
        new_code = renamed_to.rpartition("/")[2].removesuffix(".yaml")
        if _advisable(kind, document, field, new_code, target, index):
            others = _referrers(target, value, index, besides=document)
            also = f" (also update {', '.join(others[:3])}{' ...' if len(others) > 3 else ''})" if others else ""
            return (
                f"config/{relative} was renamed to {new_code}.yaml in this change; "
                f"write {yaml_line(field, new_code)}{also}"
            )
    if relative in changes.deleted or renamed_to is not None:
        return f"config/{relative} was removed in this change; restore it, or name another {target.singular}"
    return None


def _referrers(target: Kind, code: str, index: Index, besides: Document) -> list[str]:
    """The files, other than ``besides``, whose reference fields name ``code`` of ``target``."""
    found = []
    for kind in KINDS:
        fields = [name for name, kind_name in kind.references.items() if kind_name == target.name]
        if not fields:
            continue
        for document in sorted(index[kind.name].values(), key=lambda d: d.path):
            if document is not besides and any(document.data.get(name) == code for name in fields):
                found.append(document.path)
    return found


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
