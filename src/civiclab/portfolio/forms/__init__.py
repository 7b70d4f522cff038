"""The portfolio's forms: ``challenges`` (a challenge, its evidence, causes, opportunity areas
and ideas) and ``solutions`` (a solution and its parts; the table's filters)."""
