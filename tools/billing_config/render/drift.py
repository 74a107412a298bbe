"""A drift report as text (terminal, job log), JSON (scripts) or Markdown (the drift pull request).

Codes, names and values come from the live database, so every sink escapes them its own way
(render/escape.py): each text line goes through ``log_line``, Markdown text through
``md_text`` and inline code through ``md_code``.
"""

from __future__ import annotations

from billing_config.plan.drift import ADDED, CHANGED, REMOVED, Drifted, DriftReport
from billing_config.plan.model import show
from billing_config.render.escape import Rendered, json_text, log_line, md_code, md_text

_SIGNS = {CHANGED: "~", ADDED: "+", REMOVED: "-"}
_PENDING_SIGNS = {"create": "+", "update": "~", "delete": "-"}


def _recorded(report: DriftReport) -> str:
    commit = report.recorded_commit[:12] if report.recorded_commit else "an unknown commit"
    when = f"{report.recorded_at} UTC" if report.recorded_at else "an unknown time"
    return f"the state recorded by the last apply ({commit}, {when})"


def _no_code(item: Drifted) -> str:
    if item.code:
        return ""
    return " (no code yet: `billing-config adopt` gives it one and writes its file)"


def render_drift_text(report: DriftReport) -> Rendered:
    lines = [f"Drift of {report.database} against {_recorded(report)}", ""]
    if not report.drift:
        lines.append("No drift. Live holds what the last apply left there.")
    else:
        lines.append(f"Changed outside the repository ({len(report.drift)} entr{'y' if len(report.drift) == 1 else 'ies'}):")
        for item in report.drift:
            lines.append(f"  {_SIGNS[item.status]} {item.address} ({show(item.name)}) {item.status} on live{_no_code(item)}")
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
    return Rendered("\n".join(log_line(line) for line in lines))


def render_drift_json(report: DriftReport) -> Rendered:
    return json_text(report.to_dict())


def render_drift_markdown(report: DriftReport) -> Rendered:
    lines = ["### billing-config drift", ""]
    if not report.drift:
        lines.append("**No drift.** Live holds what the last apply left there.")
    else:
        lines.append(f"**{len(report.drift)} entr{'y' if len(report.drift) == 1 else 'ies'} changed outside the repository**")
        lines.append("")
        for item in report.drift:
            lines.append(f"- `{_SIGNS[item.status]}` **{md_text(item.address)}** ({md_text(show(item.name))}): {item.status} on live{md_text(_no_code(item))}")
            lines.extend(f"  - {md_code(f.field)}: {md_code(show(f.old))} → {md_code(show(f.new))}" for f in item.fields)
    lines.append("")
    if report.pending:
        lines.append(f"<details><summary>pending: {len(report.pending)} merged change(s) not yet applied (not drift)</summary>")
        lines.append("")
        for pending in report.pending:
            lines.append(f"- `{_PENDING_SIGNS[pending.action]}` **{md_text(pending.kind)}/{md_text(pending.code)}** ({md_text(show(pending.name))}): {pending.action}")
        lines.append("")
        lines.append("</details>")
        lines.append("")
    if report.conflicts:
        names = ", ".join(md_code(f"{kind}/{code}") for kind, code in report.conflicts)
        lines.append(f":warning: **Conflict**: {names} changed on live while a merged change to it waits; decide which wins.")
        lines.append("")
    lines.append(f"<sub>Database {md_code(report.database)}, compared with {md_text(_recorded(report))}</sub>")
    return Rendered("\n".join(lines) + "\n")
