"""The terminal UI: the only part of the inbox that imports Textual."""
