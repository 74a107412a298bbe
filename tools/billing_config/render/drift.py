"""A drift report as text (terminal, job log), JSON (scripts) or Markdown (the drift pull request)."""

from __future__ import annotations

import json

from billing_config.plan.drift import ADDED, CHANGED, REMOVED, DriftReport
from billing_config.plan.model import show

_SIGNS = {CHANGED: "~", ADDED: "+", REMOVED: "-"}
_PENDING_SIGNS = {"create": "+", "update": "~", "delete": "-"}


def _recorded(report: DriftReport) -> str:
    commit = (report.recorded_commit or "an unknown commit")[:12]
    when = report.recorded_at or "an unknown time"
    return f"the state recorded by the last apply ({commit}, {when} UTC)"


def render_drift_text(report: DriftReport) -> str:
    lines = [f"Drift of {report.database} against {_recorded(report)}", ""]
    if not report.drift:
        lines.append("No drift. Live holds what the last apply left there.")
    else:
        lines.append(f"Changed outside the repository ({len(report.drift)} entr{'y' if len(report.drift) == 1 else 'ies'}):")
        for item in report.drift:
            lines.append(f"  {_SIGNS[item.status]} {item.kind}/{item.code} ({show(item.name)}) {item.status} on live")
            lines.extend(f"      {f.field}: {show(f.old)} → {show(f.new)}" for f in item.fields)
    lines.append("")
    if report.pending:
        lines.append("Pending (merged, not yet applied; the next apply does it, not drift):")
        for pending in report.pending:
            lines.append(f"  {_PENDING_SIGNS[pending.action]} {pending.kind}/{pending.code} ({show(pending.name)}) {pending.action}")
            lines.extend(f"      {f.field}: {show(f.old)} → {show(f.new)}" for f in pending.fields)
        lines.append("")
    if report.conflicts:
        names = ", ".join(f"{kind}/{code}" for kind, code in report.conflicts)
        lines.append(f"Conflict: {names} changed on live while a merged change to it waits; a person must decide which wins.")
        lines.append("")
    return "\n".join(lines)


def render_drift_json(report: DriftReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def _cell(text: str) -> str:
    """Text safe inside inline code and list items: no backticks, pipes, newlines or HTML."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'").replace("<", "&lt;")


def render_drift_markdown(report: DriftReport) -> str:
    lines = ["### billing-config drift", ""]
    if not report.drift:
        lines.append("**No drift.** Live holds what the last apply left there.")
    else:
        lines.append(f"**{len(report.drift)} entr{'y' if len(report.drift) == 1 else 'ies'} changed outside the repository**")
        lines.append("")
        for item in report.drift:
            lines.append(f"- `{_SIGNS[item.status]}` **{_cell(item.kind)}/{_cell(item.code)}** ({_cell(show(item.name))}): {item.status} on live")
            lines.extend(f"  - `{f.field}`: `{_cell(show(f.old))}` → `{_cell(show(f.new))}`" for f in item.fields)
    lines.append("")
    if report.pending:
        lines.append(f"<details><summary>pending: {len(report.pending)} merged change(s) not yet applied (not drift)</summary>")
        lines.append("")
        for pending in report.pending:
            lines.append(f"- `{_PENDING_SIGNS[pending.action]}` **{_cell(pending.kind)}/{_cell(pending.code)}** ({_cell(show(pending.name))}): {pending.action}")
        lines.append("")
        lines.append("</details>")
        lines.append("")
    if report.conflicts:
        names = ", ".join(f"`{_cell(kind)}/{_cell(code)}`" for kind, code in report.conflicts)
        lines.append(f":warning: **Conflict**: {names} changed on live while a merged change to it waits; decide which wins.")
        lines.append("")
    lines.append(f"<sub>Database `{_cell(report.database)}`, compared with {_cell(_recorded(report))}</sub>")
    return "\n".join(lines) + "\n"
