"""Data shapes: what is stored (records), what the API speaks (schemas), what models write (story)."""
