"""The status lifecycle as a Mermaid flowchart, for the graph command and the markdown plan.

A reviewer who changes a status wants to see the path customers take through it: which status
follows which (``next_status``) and what happens to their numbers, services and features on
the way (the related statuses). Which kinds form a lifecycle, and which fields are its edges,
comes from the registry: a kind with a reference field pointing at itself draws its entries as
nodes and that field as arrows; its other reference fields are written into each node.

Everything a user wrote (names, codes) is escaped, because Mermaid gives meaning to quotes,
brackets, ``#``, ``<`` and backticks; node ids are built from the code alone, which cannot
contain anything Mermaid reads specially.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from billing_config.kinds import KINDS, KINDS_BY_NAME, Kind, is_valid_code
from billing_config.loader import Document
from billing_config.render.escape import Rendered, has_control, md_fence

CHANGED_CLASS = "changed"
MISSING_CLASS = "missing"
_CLASS_DEFS = (
    f"classDef {CHANGED_CLASS} fill:#fff4c2,stroke:#b7791f,stroke-width:3px,color:#000",
    f"classDef {MISSING_CLASS} fill:#fde2e1,stroke:#c53030,stroke-dasharray:4 3,color:#000",
)
# Mermaid's entity codes: '#35;' is '#'. Quotes end a label, '<' '>' and '&' would be HTML,
# a backtick turns a label into markdown.
# '%' and ':' too: Mermaid rewrites the source before parsing it, applying a '%%{init}%%'
# directive anywhere in the text and reading 'style ...: ...;' pieces, so a name could restyle
# the diagram or lose characters (Mermaid's own parser, tests/e2e/test_mermaid.py, found both).
_ESCAPES = {
    '"': "#34;", "#": "#35;", "%": "#37;", "&": "#38;", ":": "#58;", ";": "#59;", "<": "#60;", ">": "#62;", "`": "#96;",
}


def lifecycle_kinds() -> tuple[tuple[Kind, str], ...]:
    """Each kind that forms a lifecycle, with the field that leads to the next entry."""
    return tuple(
        (kind, field_name)
        for kind in KINDS
        for field_name, target in kind.references.items()
        if target == kind.name
    )


def escape_label(text: str) -> str:
    """Text safe inside a quoted Mermaid label: entity codes for the characters Mermaid reads."""
    cleaned = "".join(" " if has_control(ch) else ch for ch in text)  # every control, C1 and bidi too
    return "".join(_ESCAPES.get(ch, ch) for ch in cleaned)


def _prefix(kind: Kind) -> str:
    return "".join(ch for ch in kind.name if ch.isalnum())[:3]


def node_id(kind: Kind, code: str, fallback: int) -> str:
    """An id Mermaid cannot misread: letters, digits and underscores, never a keyword like 'end'."""
    prefix = _prefix(kind)
    if is_valid_code(code):
        return f"{prefix}_{code.replace('-', '_')}"
    return f"{prefix}_x{fallback}"


def status_lifecycle(documents: Iterable[Document], highlight: Collection[str] = ()) -> str:
    """The Mermaid source (without fences) of every lifecycle kind's entries and their chains.

    ``highlight`` holds codes of changed entries; they get the ``changed`` class. A reference to
    an entry that does not exist is drawn as a dashed node, so a broken chain is visible.
    """
    docs = list(documents)
    names = _names_by_kind(docs)
    lines = ["flowchart LR"]
    highlighted: list[str] = []
    missing: list[str] = []
    for kind, next_field in lifecycle_kinds():
        entries = sorted(
            (d for d in docs if d.kind == kind.name),
            key=lambda d: (_position(d), d.code),
        )
        ids = {d.code: node_id(kind, d.code, index) for index, d in enumerate(entries)}
        related = [name for name in kind.references if name != next_field]
        for document in entries:
            label = _label(document, related, kind, names)
            lines.append(f'    {ids[document.code]}["{label}"]')
            if document.code in highlight:
                highlighted.append(ids[document.code])
        for document in entries:
            target = document.data.get(next_field)
            if not isinstance(target, str) or not target:
                continue
            if target not in ids:
                ids[target] = node_id(kind, target, len(ids))
                lines.append(f'    {ids[target]}["{escape_label(target)} (missing)"]')
                missing.append(ids[target])
            lines.append(f"    {ids[document.code]} --> {ids[target]}")
    lines.extend(f"    {definition}" for definition in _CLASS_DEFS)
    if highlighted:
        lines.append(f"    class {','.join(highlighted)} {CHANGED_CLASS}")
    if missing:
        lines.append(f"    class {','.join(missing)} {MISSING_CLASS}")
    return "\n".join(lines) + "\n"


def chain_kinds() -> tuple[Kind, ...]:
    """The lifecycle kinds and every kind their references reach, nearest first: customer
    statuses, then the number, service and feature statuses they name."""
    order = [kind for kind, _ in lifecycle_kinds()]
    for kind in order:  # grows while it is walked: breadth first
        for target in kind.references.values():
            if KINDS_BY_NAME[target] not in order:
                order.append(KINDS_BY_NAME[target])
    return tuple(order)


def _plural(kind: Kind) -> str:
    return kind.singular + ("es" if kind.singular.endswith("s") else "s")


def lifecycle_chain(documents: Iterable[Document], highlight: Collection[str] = ()) -> Rendered:
    """The whole chain as Mermaid source (without fences): one box per list (customer statuses,
    number, service and feature statuses) holding its entries, solid arrows from a status to its
    next status, dotted arrows labelled with the list they lead into for every related status
    (a customer status to its number, service and feature statuses, a number or service status
    to its feature status).

    ``highlight`` holds codes of customer statuses, or ``KIND/CODE`` for an entry of any list.
    A reference to an entry that does not exist is drawn as a dashed node.
    """
    docs = list(documents)
    kinds = chain_kinds()
    self_fields = {kind.name: field for kind, field in lifecycle_kinds()}
    lines = ["flowchart LR"]
    highlighted: list[str] = []
    ids: dict[tuple[str, str], str] = {}
    by_kind: dict[str, list[Document]] = {}
    for kind in kinds:
        entries = sorted((d for d in docs if d.kind == kind.name), key=lambda d: (_position(d), d.code))
        by_kind[kind.name] = entries
        lines.append(f'    subgraph kind_{_prefix(kind)}["{escape_label(_plural(kind))}"]')
        for index, document in enumerate(entries):
            ident = ids.setdefault((kind.name, document.code), node_id(kind, document.code, index))
            name = document.data.get("name")
            lines.append(f'        {ident}["{escape_label(name if isinstance(name, str) and name else document.code)}"]')
            if f"{kind.name}/{document.code}" in highlight or (kind.name in self_fields and document.code in highlight):
                highlighted.append(ident)
        lines.append("    end")
    missing: list[str] = []
    for kind in kinds:
        for document in by_kind[kind.name]:
            for field_name, target_name in kind.references.items():
                code = document.data.get(field_name)
                if not isinstance(code, str) or not code:
                    continue
                target = KINDS_BY_NAME[target_name]
                key = (target_name, code)
                if key not in ids:
                    ids[key] = node_id(target, code, len(ids))
                    lines.append(f'    {ids[key]}["{escape_label(code)} (missing)"]')
                    missing.append(ids[key])
                source = ids[(kind.name, document.code)]
                if target_name == kind.name:
                    lines.append(f"    {source} --> {ids[key]}")
                else:
                    lines.append(f'    {source} -.->|"{escape_label(target.singular)}"| {ids[key]}')
    lines.extend(f"    {definition}" for definition in _CLASS_DEFS)
    if highlighted:
        lines.append(f"    class {','.join(highlighted)} {CHANGED_CLASS}")
    if missing:
        lines.append(f"    class {','.join(missing)} {MISSING_CLASS}")
    return Rendered("\n".join(lines) + "\n")


def fenced(source: str) -> Rendered:
    """The diagram as a Markdown code block, which GitHub and GitLab render as a picture; the
    fence is longer than any backtick run in the source, so nothing in it can close the block."""
    return Rendered(md_fence(source, "mermaid"))


# GitHub's Mermaid refuses diagrams over 50,000 characters, and the whole plan comment must stay
# under 65,536; the diagram gets at most this much of it.
SECTION_LIMIT = 20_000


def lifecycle_sections(
    documents: Iterable[Document], changed: Iterable[tuple[str, str]], limit: int = SECTION_LIMIT
) -> list[str]:
    """The markdown plan's lifecycle section, or none when no lifecycle entry changes.

    ``changed`` holds (kind, code) of every planned change; the diagram highlights those of a
    lifecycle kind. A plan that touches only groups or departments gets no diagram, which keeps
    the pull-request comment short. On a big tree the diagram shrinks to the changed entries and
    their neighbours, and if even that is too long, to a note saying how to draw it.
    """
    docs = list(documents)
    lifecycle = {kind.name for kind, _ in lifecycle_kinds()}
    changed = list(changed)
    highlight = {code for kind, code in changed if kind in lifecycle}
    # A changed number, service or feature status changes what happens to the customers of every
    # status that names it, so those statuses are highlighted too.
    related_changes = {(kind, code) for kind, code in changed if kind not in lifecycle}
    by_relation = {
        document.code
        for document in docs
        if document.kind in lifecycle
        and any(
            (target, document.data.get(field)) in related_changes
            for field, target in KINDS_BY_NAME[document.kind].references.items()
        )
    }
    if not highlight and not by_relation:
        return []
    title = "**Status lifecycle** (changed statuses highlighted; arrows lead to the next status)"
    if by_relation - highlight:
        title = (
            "**Status lifecycle** (highlighted: changed statuses and those whose number, service or feature "
            "status changes; arrows lead to the next status)"
        )
    highlight |= by_relation
    source = status_lifecycle(docs, highlight)
    if len(source) > limit:
        title = (
            "**Status lifecycle around the changes** (changed statuses highlighted, with the statuses "
            "just before and after them; `billing-config graph` draws the whole lifecycle)"
        )
        source = status_lifecycle(_neighbourhood(docs, highlight), highlight)
    if len(source) > limit:
        codes = " ".join(sorted(highlight)[:20])
        return [
            f"**Status lifecycle**: {len(highlight)} changed statuses make the diagram too large for a comment; "
            f"draw it with `billing-config graph --highlight {codes}{' ...' if len(highlight) > 20 else ''}`."
        ]
    return [f"{title}\n\n{fenced(source)}"]


def _neighbourhood(documents: list[Document], codes: set[str]) -> list[Document]:
    """The lifecycle entries in ``codes`` and those one step before or after them."""
    lifecycle = {kind.name: next_field for kind, next_field in lifecycle_kinds()}
    kept: set[tuple[str, str]] = set()
    for document in documents:
        next_field = lifecycle.get(document.kind)
        if next_field is None:
            continue
        target = document.data.get(next_field)
        if document.code in codes:
            kept.add((document.kind, document.code))
            if isinstance(target, str):
                kept.add((document.kind, target))
        elif isinstance(target, str) and target in codes:
            kept.add((document.kind, document.code))
    result = []
    for document in documents:
        next_field = lifecycle.get(document.kind)
        if next_field is None:
            result.append(document)  # related kinds: names for the labels
        elif (document.kind, document.code) in kept:
            if (document.kind, document.data.get(next_field)) not in kept:
                # The chain goes on beyond the drawing; cut it here rather than draw a "missing" node.
                data = {k: v for k, v in document.data.items() if k != next_field}
                document = Document(document.kind, document.code, document.path, data, document.spans)
            result.append(document)
    return result


def _names_by_kind(documents: list[Document]) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for document in documents:
        name = document.data.get("name")
        names.setdefault(document.kind, {})[document.code] = name if isinstance(name, str) else document.code
    return names


def _position(document: Document) -> int:
    position = document.data.get("display_position", 0)
    return position if isinstance(position, int) and not isinstance(position, bool) else 0


def _label(document: Document, related: list[str], kind: Kind, names: dict[str, dict[str, str]]) -> str:
    name = document.data.get("name")
    parts = [escape_label(name if isinstance(name, str) and name else document.code)]
    for field_name in related:
        code = document.data.get(field_name)
        if not isinstance(code, str) or not code:
            continue
        target_kind = KINDS_BY_NAME[kind.references[field_name]]
        shown = names.get(target_kind.name, {}).get(code, f"{code} (missing)")
        parts.append(f"{escape_label(target_kind.singular)}: {escape_label(shown)}")
    return "<br/>".join(parts)
