"""Pillow rendering of finished comics: lettered panels, the comic page and its printable PDF.

Everything here is pure and blocking (bytes or images in, images or bytes out); callers run it in
worker threads. `fonts` picks a font that can set the text, `text` parses and wraps it,
`balloons` draws the shapes, `lettering` fits the words onto a panel, `page` lays out the page
and `pdf` makes the print file.
"""
