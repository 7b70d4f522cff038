"""Links and panels the exchange contributes to lower apps' pages, one module per area."""
