"""Reports: aggregate the store per speaker and topic, render as table, JSON, CSV or one HTML file."""

from quotes.report.aggregate import Report, ReportFilter, ReportRow, build_report, parse_date_bound
from quotes.report.render import FORMATS, render, write_atomic

__all__ = ["FORMATS", "Report", "ReportFilter", "ReportRow", "build_report", "parse_date_bound", "render",
           "write_atomic"]
