"""Renderers: turn plain analysis results into text, Markdown, CSV, JSON or LaTeX.

Nothing here computes a cost; every number comes from a :class:`snncost.report.Report`.
"""
from .formats import FORMATS, check_format, render_table

__all__ = ["FORMATS", "check_format", "render_table"]
