"""Which opportunities a person sees: Grants.gov's with everyone, a fund entered by hand with
its network (or every network)."""
