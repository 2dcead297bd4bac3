"""Implementations of the `TextModel` and `ImageModel` interfaces from `external_services.py`."""
