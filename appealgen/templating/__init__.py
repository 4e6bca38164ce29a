"""Tools for the people who own the templates: check, list, fields, preview."""
