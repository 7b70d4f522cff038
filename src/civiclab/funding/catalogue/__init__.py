"""PURE (no Django): the funding catalogue's computation — records as read from Grants.gov
extracts and other sources, applicant types and eligibility, text for search and matching.

Plain data in and out, so that it is tested without a database (mypy strict)."""
