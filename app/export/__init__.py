"""Export for Supabase: the store as PostgreSQL tables (schema.sql, data.sql, CSV) plus the image files.

rows.py and tables.py turn records into rows; sql.py and csv_writer.py render them; bundle.py
writes the folder; database.py applies it to a database; supabase_storage.py uploads the images;
service.py and cli.py are the API's and the command line's way in.
"""
