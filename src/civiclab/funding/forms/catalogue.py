"""catalogue forms."""
