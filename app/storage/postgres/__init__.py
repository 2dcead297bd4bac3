"""The PostgreSQL document store (DATABASE_URL): the export's schema, live, through psycopg 3's async pool.

    connect.py     the pool, and a database that cannot be used said in one line
    migrate.py     the versioned schema, brought up to date at start-up
    statements.py  SQL built from the tables of `relational/schema.py`
    jobs.py, comics.py, characters.py   one record kind each (`documents.py`'s protocols)
    store.py       all of them behind `documents.DocumentStore`

Only `app/storage/stores.py` imports this package, and only when DATABASE_URL is set.
"""
