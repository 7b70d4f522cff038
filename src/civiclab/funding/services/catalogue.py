"""Imports of catalogue files and funds entered by hand: checked, validated, audited."""
