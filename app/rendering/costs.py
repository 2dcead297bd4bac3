"""What it costs to put a box at each place in a panel, for every place at once (numpy, on the busy-map grid).

A place is out when the box would touch a face (with a margin) or lettering already placed, or
would be read before lettering that comes earlier; the estimated heads of figures no face was
found for count as faces. Otherwise it costs its busy-ness (lettering belongs on sky, walls and
floors), its cover of the bodies under faces, its distance from the speaker's head, and a little for
being low in the panel, and for its width (wide lettering leaves little room for what follows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from app.rendering.balloons import Box
from app.rendering.picture import Reading

_BODY = 0.6  # how much a body under a face costs, against 1 for the busiest cell


def _integral(grid: np.ndarray) -> np.ndarray:
    return np.pad(grid.astype(np.float64), ((1, 0), (1, 0))).cumsum(0).cumsum(1)


def _sums(integral: np.ndarray, bh: int, bw: int) -> np.ndarray:
    """Sums over every bh x bw window; index [i, j] is the window whose top-left cell is (i, j)."""
    return integral[bh:, bw:] - integral[:-bh, bw:] - integral[bh:, :-bw] + integral[:-bh, :-bw]


class CostField:
    """The busy map, the faces and the figures of one reading, ready to price boxes."""

    def __init__(self, reading: Reading, face_margin: int, unseen: Sequence[Box]) -> None:
        self.reading = reading
        self.cell = reading.cell
        self.rows, self.cols = reading.busy.shape
        self.margin = face_margin
        self._busy = _integral(reading.busy)
        # A head the composition places but no detector found is kept off as firmly as a face.
        self.heads = [*reading.faces, *unseen]
        self.faces = [head.inflate(face_margin) for head in self.heads]
        figures = np.zeros(reading.busy.shape, np.float32)
        for face in reading.faces:
            body = Box(face.x0 - face.width // 2, face.y1, face.x1 + face.width // 2, reading.height)
            self._paint(figures, body, _BODY)
        self._figures = _integral(figures)
        self._faces = self._mask(self.faces)

    def _cells(self, box: Box) -> tuple[int, int, int, int]:
        c = self.cell
        return (
            max(0, math.floor(box.y0 / c)),
            min(self.rows, math.ceil(box.y1 / c)),
            max(0, math.floor(box.x0 / c)),
            min(self.cols, math.ceil(box.x1 / c)),
        )

    def _paint(self, grid: np.ndarray, box: Box, value: float) -> None:
        r0, r1, c0, c1 = self._cells(box)
        grid[r0:r1, c0:c1] = np.maximum(grid[r0:r1, c0:c1], value)

    def _mask(self, boxes: Sequence[Box]) -> np.ndarray:
        grid = np.zeros((self.rows, self.cols), np.float32)
        for box in boxes:
            self._paint(grid, box, 1.0)
        return _integral(grid)

    def price(
        self,
        width: int,
        height: int,
        taken: Sequence[Box],
        earlier: Sequence[Box],
        target: Box | None,
        edge: int,
        faces_allowed: bool = False,
        rise: float = 0.15,
    ) -> tuple[np.ndarray, int, int]:
        """The cost of a `width` x `height` box at every grid place (inf where it may not go), and the box in cells."""
        bh, bw = math.ceil(height / self.cell), math.ceil(width / self.cell)
        if bh > self.rows or bw > self.cols:
            return np.full((1, 1), np.inf), bh, bw
        area = bh * bw
        cost = _sums(self._busy, bh, bw) / area + _sums(self._figures, bh, bw) / area
        rows, cols = cost.shape
        y0 = (np.arange(rows) * self.cell)[:, None]
        x0 = (np.arange(cols) * self.cell)[None, :]
        full = np.broadcast_to
        ok = full((y0 >= edge) & (y0 + height <= self.reading.height - edge), cost.shape)
        ok = ok & full((x0 >= edge) & (x0 + width <= self.reading.width - edge), cost.shape)
        ok = ok & (_sums(self._mask(taken), bh, bw) == 0)
        face_cover = _sums(self._faces, bh, bw)
        if faces_allowed:  # nothing fits clear of the faces: cover as little of them as can be
            cost = cost + 8 * face_cover / area
        else:
            ok = ok & (face_cover == 0)
        for box in earlier:  # read after: below it, or beside it to the right and not above it
            below = y0 >= box.y1 - box.height // 4
            right = (x0 >= box.x1) & (y0 >= box.y0 - height // 4)
            ok = ok & (below | right)
        # Captions rise to the top, balloons a little; wide lettering shuts out what is read after it.
        cost = cost + rise * y0 / self.reading.height + 0.6 * width / self.reading.width
        if target is not None:
            cost = cost + 1.5 * self._distance(target, x0, y0, width, height)
        return np.where(ok, cost, np.inf), bh, bw

    def _distance(self, head: Box, x0: np.ndarray, y0: np.ndarray, width: int, height: int) -> np.ndarray:
        """How far a balloon is from where it should be: just above its speaker's head, or beside it."""
        diagonal = math.hypot(self.reading.width, self.reading.height)
        dx = np.abs(x0 + width / 2 - (head.x0 + head.x1) / 2)
        dx = np.maximum(0, dx - head.width / 2)
        low = np.maximum(0, y0 + height - head.y0)  # its bottom below the head's top: beside or under it
        high = np.maximum(0, head.y0 - self.margin * 3 - (y0 + height))  # far above
        return np.hypot(dx, low * 0.6 + high) / diagonal
