"""Widgets of the ftpreflight app."""
