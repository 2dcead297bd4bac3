"""The store as relational tables: one schema (`schema.sql`, `schema.py`) and the rows stored records make.

The export writes these tables (SQL, CSV, a PostgreSQL database), and v2.0's
`DataManager.export_*` calls answer with them; a database store is to use the same schema.
"""
