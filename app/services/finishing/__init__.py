"""The finishing stage: lettering each panel as it is stored, then the comic page and the print PDFs.

`finishing.py` letters the panels, `prints.py` makes the page and the PDFs after the job completes (or
when first asked for), and `cpu_pool.py` runs that Pillow work in worker processes, off the event loop.
"""
