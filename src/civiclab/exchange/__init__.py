"""The peer exchange: case studies built from the work itself, the library, "look elsewhere
first", fork and adapt, shared metric definitions, discussions, convenings and the directory."""
