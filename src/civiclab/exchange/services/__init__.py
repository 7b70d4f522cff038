"""One module per area of the exchange."""
