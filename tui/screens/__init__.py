"""Screens of the ftpreflight app."""
