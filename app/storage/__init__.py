"""The only code that touches DATA_DIR or the database: documents (JSON folders or PostgreSQL), image files
or objects, and the DataManager over them."""
