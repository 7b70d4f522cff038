"""The portfolio's REST routes, one router per side: ``challenges`` (challenges, evidence,
causes, opportunity areas, ideas, scores) and ``solutions`` (solutions, targets and their parts),
both made with ``routing`` (how a type's routes read objects; one table row per type)."""
