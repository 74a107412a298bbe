"""A plan as a pull-request comment: a summary table, then each kind's changes in a collapsible
section. GitHub refuses comments over 65,536 characters, so the text is cut at a safe limit
with a note saying how much was left out.

``render_plan_markdown(plan, extra_sections=...)`` takes further ready-made Markdown sections
(a Mermaid lifecycle graph, for instance); they are placed after the summary and count toward
the limit like everything else.
"""

from __future__ import annotations

from collections.abc import Sequence

from billing_config.plan.model import CREATE, DELETE, UPDATE, Change, Plan, show

GITHUB_COMMENT_LIMIT = 65_536
DEFAULT_LIMIT = 60_000  # leaves room for whatever a workflow wraps around the comment
MAX_BLOCKERS_SHOWN = 20
_SIGNS = {CREATE: "+", UPDATE: "~", DELETE: "-"}


def _cell(text: str) -> str:
    """Text safe inside a table cell or inline code: no pipes, newlines or backticks breaking out."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'").replace("<", "&lt;")


def _change_block(change: Change) -> str:
    lines = [f"- `{_SIGNS[change.action]}` **{_cell(change.code)}** ({_cell(show(change.name))})"]
    if change.action == UPDATE:
        for f in change.fields:
            lines.append(f"  - `{f.field}`: `{_cell(show(f.old))}` → `{_cell(show(f.new))}`")
    sentence = change.impact_sentence()
    if sentence:
        lines.append(f"  - impact: {_cell(sentence)}")
    return "\n".join(lines) + "\n"


def render_plan_markdown(plan: Plan, extra_sections: Sequence[str] = (), limit: int = DEFAULT_LIMIT) -> str:
    limit = min(limit, GITHUB_COMMENT_LIMIT - 1)
    head = ["### billing-config plan", ""]
    if plan.blockers:
        head.append(f"**Apply will refuse this plan** ({len(plan.blockers)} problem(s)):")
        head.append("")
        head.extend(f"- :no_entry: {_cell(b.message)}. {_cell(b.hint)}." for b in plan.blockers[:MAX_BLOCKERS_SHOWN])
        if len(plan.blockers) > MAX_BLOCKERS_SHOWN:
            head.append(f"- … and {len(plan.blockers) - MAX_BLOCKERS_SHOWN} more; see `billing-config plan` for all of them")
        head.append("")
    if plan.warnings:
        head.append(f"**Check before approving** ({len(plan.warnings)} warning(s); apply goes ahead):")
        head.append("")
        head.extend(
            f"- :warning: `{w.rule}`: {_cell(w.message)}. Why it matters: {_cell(w.why)}."
            for w in plan.warnings[:MAX_BLOCKERS_SHOWN]
        )
        if len(plan.warnings) > MAX_BLOCKERS_SHOWN:
            head.append(f"- … and {len(plan.warnings) - MAX_BLOCKERS_SHOWN} more; see `billing-config plan` for all of them")
        head.append("")
    head.append(f"**{plan.headline()}**" if plan.has_changes else "**No changes.** The live database matches the configuration.")
    head.append("")
    head.append("| kind | create | update | delete | unmanaged | live |")
    head.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, counts in plan.summary().items():
        head.append(
            f"| {kind} | {counts['create']} | {counts['update']} | {counts['delete']} | {counts['unmanaged']} | {counts['live']} |"
        )
    head.append("")
    head.append(f"<sub>Database `{_cell(plan.database)}`, live state `{plan.fingerprint[:19]}`</sub>")
    head.append("")
    out = "\n".join(head) + "\n"
    truncated = False
    omitted = 0
    reserve = 400  # for the truncation note and closing tags
    for section in extra_sections:
        text = section.rstrip("\n") + "\n\n"
        if len(out) + len(text) + reserve > limit:
            omitted += 1  # a section too big for the comment is left out whole, never cut
            continue
        out += text
    blocks: list[tuple[str, list[str]]] = []
    for kind in plan.kinds():
        kind_changes = [c for c in plan.changes if c.kind == kind]
        if kind_changes:
            counts = plan.summary()[kind]
            title = f"{kind}: {counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete"
            blocks.append((title, [_change_block(c) for c in kind_changes]))
    if plan.unmanaged:
        items = [
            f"- `?` **{_cell(u.kind)}/{_cell(u.code)}** ({_cell(show(u.name))})"
            + (f", used by {u.impact} {u.impact_noun}" if u.impact_noun else "") + "\n"
            for u in plan.unmanaged
        ]
        blocks.append((f"unmanaged: {len(plan.unmanaged)} live entries without a config file (kept; --prune deletes them)", ["".join(items)]))

    for title, items in blocks:
        opening = f"<details><summary>{_cell(title)}</summary>\n\n"
        closing = "\n</details>\n\n"
        if len(out) + len(opening) + len(closing) + reserve > limit:
            truncated = True
            break
        section = opening
        for item in items:
            if len(out) + len(section) + len(item) + len(closing) + reserve > limit:
                truncated = True
                break
            section += item
        out += section + closing
        if truncated:
            break
    if truncated or omitted:
        if len(out) + reserve > limit:  # only a pathological header gets here
            out = out[: limit - reserve]
        left_out = f" ({omitted} section(s) too large to include)" if omitted else ""
        out += (
            f"> :warning: Cut short to fit a pull-request comment{left_out}: {len(plan.changes)} change(s) in all. "
            "Run `billing-config plan` (or see the job log) for the full list.\n"
        )
    return out
