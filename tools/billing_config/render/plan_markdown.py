"""A plan as a pull-request comment: a summary table, then each kind's changes in a collapsible
section. GitHub refuses comments over 65,536 characters, so the text is cut at a safe limit
with a note saying how much was left out.

``render_plan_markdown(plan, extra_sections=...)`` takes further ready-made Markdown sections
(a Mermaid lifecycle graph, for instance); they are placed after the summary and count toward
the limit like everything else.
"""

from __future__ import annotations

from collections.abc import Sequence

from billing_config.plan.allowances import show_limit
from billing_config.plan.config_empty import for_reviewers
from billing_config.plan.model import CREATE, DELETE, REVIVE, UPDATE, Change, Plan, show, who
from billing_config.render.escape import Rendered, md_code, md_text

GITHUB_COMMENT_LIMIT = 65_536
DEFAULT_LIMIT = 60_000  # leaves room for whatever a workflow wraps around the comment
MAX_BLOCKERS_SHOWN = 20
_SIGNS = {CREATE: "+", UPDATE: "~", DELETE: "-", REVIVE: "+"}
_RESERVE = 400  # for the truncation note and closing tags


def _change_block(change: Change) -> str:
    revives = f", restoring its deleted row {md_code(repr(change.revive_key))}" if change.action == REVIVE else ""
    lines = [f"- `{_SIGNS[change.action]}` **{md_text(change.code)}** ({md_text(show(change.name))}){revives}"]
    if change.action in (CREATE, REVIVE):
        # What the new entry will hold, as an update shows what changes: every field away from
        # its default (names and values are user text, escaped like everything else).
        shown, at_default = change.created_fields()
        lines.extend(f"  - {md_code(name)}: {md_code(show(value))}" for name, value in shown.items())
        if at_default:
            lines.append(f"  - other {at_default} field(s) at their defaults")
    elif change.action == UPDATE:
        for f in change.fields:
            lines.append(f"  - {md_code(f.field)}: {md_code(show(f.old))} → {md_code(show(f.new))}")
    sentence = change.impact_sentence()
    if sentence:
        lines.append(f"  - impact: {md_text(sentence)}")
    return "\n".join(lines) + "\n"


def _summary(plan: Plan, shown: int = 3) -> str:
    """The sentence an admin reads first: who the biggest changes affect, how, and the money
    they move (ranked by that money, then by their largest count)."""
    ranked = sorted((c for c in plan.changes if c.summary_sentence()), key=lambda c: c.rank(), reverse=True)
    sentences = [md_text(c.summary_sentence() or "") for c in ranked[:shown]]
    if len(ranked) > shown:
        sentences.append(f"{len(ranked) - shown} more change(s) affect customers; see below.")
    return " ".join(sentences)


def _header(plan: Plan) -> str:
    """The summary sentence, blockers, headline, the summary table and where the plan was made."""
    head = ["### billing-config plan", ""]
    summary = _summary(plan)
    if summary:
        head += [summary, ""]
    blockers, warnings, left_out = for_reviewers(plan)
    if blockers:
        head.append(f"**Apply will refuse this plan** ({len(blockers)} problem(s)):")
        head.append("")
        head.extend(
            f"- :no_entry: {md_code(b.rule)}: {md_text(b.message)}. {md_text(b.hint)}." for b in blockers[:MAX_BLOCKERS_SHOWN]
        )
        if len(blockers) > MAX_BLOCKERS_SHOWN:
            head.append(f"- … and {len(blockers) - MAX_BLOCKERS_SHOWN} more; see `billing-config plan` for all of them")
        if left_out:
            head.append(f"- {left_out} more refusal(s) and warning(s) about single deletes of these kinds follow from it")
        head.append("")
        snippets = [b.allow for b in blockers if b.allow]
        if snippets:
            head.append("If this mass change is intended, allow exactly these changes by adding to `billing-config.toml` in this pull request:")
            head.append("")
            # The snippet holds only kind names, rule names, numbers and a digest: no user text.
            head.append("```toml")
            head.extend("\n".join(snippets).rstrip("\n").split("\n"))
            head.append("```")
            head.append("")
    if plan.allowed:
        head.append("**Allowed by `billing-config.toml`** (reviewed `[[allow]]` tables):")
        head.append("")
        head.extend(
            f"- :white_check_mark: {md_text(a.message)}; allowed up to {show_limit(a.limit)} for exactly {md_code(a.changes)}"
            + (f": {md_text(a.reason)}" if a.reason else "")
            for a in plan.allowed
        )
        head.append("")
    if warnings:
        head.append(f"**Check before approving** ({len(warnings)} warning(s); apply goes ahead):")
        head.append("")
        head.extend(
            f"- :warning: {md_code(w.rule)}: {md_text(w.message)}. Why it matters: {md_text(w.why)}."
            for w in warnings[:MAX_BLOCKERS_SHOWN]
        )
        if len(warnings) > MAX_BLOCKERS_SHOWN:
            head.append(f"- … and {len(warnings) - MAX_BLOCKERS_SHOWN} more; see `billing-config plan` for all of them")
        head.append("")
    head.append(f"**{plan.headline()}**" if plan.has_changes else "**No changes.** The live database matches the configuration.")
    head.append("")
    head.append("| kind | create | update | delete | unmanaged | live |")
    head.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, counts in plan.summary().items():
        head.append(
            f"| {md_text(kind)} | {counts['create']} | {counts['update']} | {counts['delete']} | {counts['unmanaged']} | {counts['live']} |"
        )
    head.append("")
    if plan.hooks:
        head.append("The mapping's own statements apply runs in its transaction:")
        head.append("")
        head.extend(f"- {md_code(statement)}" for statement in plan.hooks[:MAX_BLOCKERS_SHOWN])
        head.append("")
    head.append(f"<sub>Database {md_code(plan.database)}, live state {md_code(plan.fingerprint[:19])}</sub>")
    head.append("")
    return "\n".join(head) + "\n"


def _blocks(plan: Plan) -> list[tuple[str, list[str]]]:
    """One collapsible section per kind with changes, then the unmanaged entries: (title, items)."""
    blocks: list[tuple[str, list[str]]] = []
    summary = plan.summary()
    for kind in plan.kinds():
        kind_changes = [c for c in plan.changes if c.kind == kind]
        if kind_changes:
            counts = summary[kind]
            title = f"{kind}: {counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete"
            blocks.append((title, [_change_block(c) for c in kind_changes]))
    if plan.unmanaged:
        items = [
            f"- `?` **{md_text(u.kind)}/{md_text(u.code)}** ({md_text(show(u.name))})"
            + (f", used by {md_text(who(u.impact))}" if u.impact is not None else "") + "\n"
            for u in plan.unmanaged
        ]
        blocks.append((f"unmanaged: {len(plan.unmanaged)} live entries without a config file (kept; --prune deletes them)", ["".join(items)]))
    return blocks


def _fill(out: str, blocks: list[tuple[str, list[str]]], limit: int) -> tuple[str, bool]:
    """Append the sections while they fit; True when something had to be left out."""
    for title, items in blocks:
        opening = f"<details><summary>{md_text(title)}</summary>\n\n"
        closing = "\n</details>\n\n"
        if len(out) + len(opening) + len(closing) + _RESERVE > limit:
            return out, True
        section = opening
        truncated = False
        for item in items:
            if len(out) + len(section) + len(item) + len(closing) + _RESERVE > limit:
                truncated = True
                break
            section += item
        out += section + closing
        if truncated:
            return out, True
    return out, False


def render_plan_markdown(plan: Plan, extra_sections: Sequence[str] = (), limit: int = DEFAULT_LIMIT) -> Rendered:
    """The comment: every piece of user or live text passes through render.escape."""
    limit = min(limit, GITHUB_COMMENT_LIMIT - 1)
    out = _header(plan)
    omitted = 0
    for section in extra_sections:
        text = section.rstrip("\n") + "\n\n"
        if len(out) + len(text) + _RESERVE > limit:
            omitted += 1  # a section too big for the comment is left out whole, never cut
            continue
        out += text
    out, truncated = _fill(out, _blocks(plan), limit)
    if truncated or omitted:
        if len(out) + _RESERVE > limit:  # only a pathological header gets here
            out = out[: limit - _RESERVE]
        left_out = f" ({omitted} section(s) too large to include)" if omitted else ""
        out += (
            f"> :warning: Cut short to fit a pull-request comment{left_out}: {len(plan.changes)} change(s) in all. "
            "Run `billing-config plan` (or see the job log) for the full list.\n"
        )
    return Rendered(out)
