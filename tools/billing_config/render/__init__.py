"""Findings, plans and graphs to text, JSON, GitHub annotations, Markdown and Mermaid.

Nothing here finds anything: renderers only read values the earlier stages produced.
"""
