"""Presenting results: terminal tables, and the HTML report."""
