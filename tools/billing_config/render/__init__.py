"""Findings, plans and graphs to text, JSON, GitHub annotations, Markdown and Mermaid.

Nothing here finds anything: renderers only read values the earlier stages produced. The
format names below are the registry the commands' ``--format`` choices are read from.
"""

FINDING_FORMATS = ("text", "json", "github")
PLAN_FORMATS = ("text", "json", "markdown")
GRAPH_FORMATS = ("mermaid", "markdown")
DRIFT_FORMATS = ("text", "json", "markdown")
