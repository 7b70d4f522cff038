"""The worker's tasks for this area (reports/tasks.py imports this module)."""

from __future__ import annotations
