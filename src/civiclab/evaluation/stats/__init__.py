"""PURE: the statistics of an evaluation (no Django) — power, randomisation, the estimator of
each design, pre-flight checks, evidence strength and the plain-language wording."""
