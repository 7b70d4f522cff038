"""The portfolio's HTML pages, one module per area: ``challenges`` (the board, a challenge and
its investigation), ``ideas``, ``solutions`` and ``portfolio`` (the table, timeline, network)."""
