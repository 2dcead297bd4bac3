"""The story stage: the scenes a parent reviews, and what is prepared from them before drawing.

Unsafe topics, feedback and generated scenes are refused or written again here (`safety.py`), and once
the scenes are approved and the cast chosen, the image prompts for every panel are written in the
background (`preparation.py`), so that generating finds them ready.
"""
