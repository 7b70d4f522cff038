"""Dismissals of matches: checked, validated, audited."""
