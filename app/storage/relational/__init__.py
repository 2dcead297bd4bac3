"""The store as relational tables: one schema (`schema.sql`, `schema.py`, `migrations/`), the rows stored
records make (`rows.py`) and the records rows make back (`records.py`).

The export writes these tables (SQL, CSV, a PostgreSQL database), v2.0's `DataManager.export_*`
calls answer with them, and the PostgreSQL store (`app/storage/postgres`) keeps its records in them.
"""
