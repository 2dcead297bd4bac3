"""The drawing stage: each panel's picture, drawn once and paid for once, and later redrawn on request.

`drawing.py` draws and stores one picture; `submissions.py` records each fal.ai request on its job so a
resumed job never pays twice; `panels.py` and `revisions.py` let a parent redraw a finished panel or
bring back one of its earlier versions.
"""
