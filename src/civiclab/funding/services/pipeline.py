"""A city's funding profile and its applications: checked, validated, audited."""
