"""The cast stage: the character library and each character's reference pictures.

`characters.py` keeps the presets and the creator's own characters; `references.py` decides when a
character's reference for an art style is drawn (`reference_drawing.py`) or taken from an upload
(`reference_uploads.py`), so every panel of every comic in that style draws the character the same way.
"""
