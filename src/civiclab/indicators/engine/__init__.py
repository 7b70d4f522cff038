"""PURE: an indicator from its spec to its series — the spec, its SQL, the grid of periods ×
groups, signals, goals, equity gaps and chart data. No Django: plain data in and out."""
