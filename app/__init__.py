"""Fable Tales: turn a parent's worry into a comic that teaches a child."""

__version__ = "0.1.0"

# v2.0's documented `DataManager("data").export_comic_data(...)` needs the export's row building on
# a storage class, and storage may not import the export: the package root sits above both, and runs
# before any `from app.storage.data_manager import DataManager` finishes.
from app.export.compat import install as _install_v2_export

_install_v2_export()
