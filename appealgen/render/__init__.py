"""Rendering: one sandboxed Jinja environment for HTML (WeasyPrint) and Word (docxtpl)."""
