"""Faces drawn in line art, whatever their colour: a closed, even region with a pair of eyes in it.

Monochrome pictures (manga, ink sketches, pencil) have no skin colour for `picture.skin_faces` to
find, and the Haar cascade was trained on photographs. What every drawn face still has is an
outline around an area of one tone (paper white, a flat grey, a screentone-free fill) with dark
marks inside it: two eyes side by side, and often a mouth and a nose. So:

1. Ink is whatever is darker than its neighbourhood (an adaptive threshold: it holds on white
   paper, grey wash and dark paper alike); everything else is an area.
2. An area is a face when it is compact, of a head's size, shows its lower edge (a path, a floor
   or the sky runs off the panel's bottom), and has a few holes of ink in it, two of which sit side
   by side like eyes. Screentone and hatching are areas with dozens of holes; clouds, the sun,
   windows and balloons have none.
"""

from __future__ import annotations

import cv2
import numpy as np

_INK_BLOCK = 15  # the neighbourhood ink is judged against, in pixels of the 384 px copy
_INK_DROP = 12  # how much darker than its neighbourhood a pixel is to count as ink
_MAX_HOLES = 10  # eyes, pupils' rims, brows, nose, mouth, freckles: more is a pattern, not a face


def _eyes(holes: list[tuple[float, float, float]], w: int, h: int) -> bool:
    """Whether two of the holes (centre x, centre y, area) sit side by side like a pair of eyes."""
    for i, (x1, y1, a1) in enumerate(holes):
        for x2, y2, a2 in holes[i + 1 :]:
            level = abs(y1 - y2) <= 0.15 * h
            apart = 0.15 * w <= abs(x1 - x2) <= 0.75 * w
            alike = max(a1, a2) <= 4 * min(a1, a2)
            if level and apart and alike and 0.1 * h <= (y1 + y2) / 2 <= 0.8 * h:
                return True
    return False


def _is_face(region: np.ndarray, w: int, h: int) -> bool:
    """Whether one area (its mask cropped to its bounding box) is a drawn face."""
    contours, hierarchy = cv2.findContours(region, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return False
    outer = max((i for i in range(len(contours)) if hierarchy[0][i][3] < 0), key=lambda i: cv2.contourArea(contours[i]))
    filled = cv2.contourArea(contours[outer])
    hull = cv2.contourArea(cv2.convexHull(contours[outer]))
    # Compact and convex: an oval or a face cut straight across by a fringe, not an arm or a gap between trees.
    if filled < 0.55 * w * h or filled < 0.85 * hull:
        return False
    holes = []
    for i, contour in enumerate(contours):
        if hierarchy[0][i][3] != outer:
            continue
        area = cv2.contourArea(contour)
        if area >= 0.002 * filled:  # specks of noise or a pupil's highlight are not features
            x, y, cw, ch = cv2.boundingRect(contour)
            holes.append((x + cw / 2, y + ch / 2, max(area, 1.0)))
    if not 2 <= len(holes) <= _MAX_HOLES or sum(a for _, _, a in holes) > 0.4 * filled:
        return False
    return _eyes(holes, w, h)


def drawn_faces(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Drawn faces in a greyscale picture (about 384 px on its longer side), as (x, y, w, h) boxes."""
    ink = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, _INK_BLOCK, _INK_DROP)
    areas = (1 - ink).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(areas, connectivity=4)
    short, bottom = min(grey.shape), grey.shape[0]
    faces = []
    for label in range(1, count):
        x, y, w, h, pixels = (int(v) for v in stats[label])
        if not (short * 0.04 <= min(w, h) and max(w, h) <= short * 0.6 and 0.5 <= w / h <= 2.0):
            continue
        if y + h >= bottom - 1 or pixels < 0.3 * w * h:
            continue
        region = (labels[y : y + h, x : x + w] == label).astype(np.uint8)
        if _is_face(region, w, h):
            faces.append((x, y, w, h))
    return faces
