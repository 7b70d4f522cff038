"""PURE (no Django): the portfolio's rules that need no database — how idea scores summarise
(``scoring``) and the shapes of its JSON fields (``structured``)."""
