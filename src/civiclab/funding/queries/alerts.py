"""A person's saved searches and digests (their own alone)."""
