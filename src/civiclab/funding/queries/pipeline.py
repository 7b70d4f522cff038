"""Scoped reads of applications and funding leveraged."""
