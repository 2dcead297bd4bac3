"""The only code that touches DATA_DIR: JSON documents, image files and the DataManager over both."""
