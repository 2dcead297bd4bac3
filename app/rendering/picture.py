"""Reading a panel's pixels before lettering it: where the faces are, and how busy each part is.

Three detectors, because none finds every face a children's comic draws (measured in the README,
"Finished comics"):

- OpenCV's frontal-face Haar cascade (shipped inside the opencv-python-headless wheel) finds
  photographic and painterly faces, whatever their colour, but few cartoon ones.
- A skin-tone blob finder finds cartoon heads and photographic faces alike: a compact patch of skin
  chroma (light to dark tones: the test is on Cr/Cb, not brightness) with holes in it where the eyes
  and mouth are. Hands and arms have no holes; floors and walls are not compact.
- `drawn_faces` finds faces in monochrome line art (manga, ink, pencil), which has no skin colour.

Busy-ness is edge density plus local colour spread, at a reduced size: sky, walls and floors are
calm, figures and props are busy. All of it runs in a render worker (`app/rendering/tasks.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from app.rendering.balloons import Box
from app.rendering.drawn_faces import drawn_faces

_MAP_SIDE = 192  # the busy map's longer side, in cells
_FACE_SIDE = 384  # the longer side skin is looked for at
_CASCADE_SIDE = 256  # the cascade's, smaller: it costs the most, and faces small enough to miss here need no room
_CASCADE = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml")
# YCrCb ranges that hold human skin from light to dark (and the peach and brown of drawn skin).
_CR, _CB, _MIN_Y = (136, 192), (62, 133), 40
_FRAME = 0.012  # the share of the shorter side blanked at the edges, where a panel's frame is drawn
_COLOUR_STEP = 14  # a change of colour (8-bit Lab, within 3 x 3 pixels) that splits skin into areas
_CHANNEL_SUM = np.ones((1, 3), np.float32)  # cv2.transform with it adds up the three Lab channels
cv2.setNumThreads(1)  # one render worker per core already: OpenCV's own threads would only fight them


@dataclass(frozen=True)
class Reading:
    """What lettering knows of a picture: its size, the faces in it, and a busy map (0 calm .. 1 busy)."""

    width: int
    height: int
    faces: tuple[Box, ...] = ()
    busy: np.ndarray = field(default_factory=lambda: np.zeros((1, 1), np.float32), compare=False)

    @property
    def cell(self) -> float:
        """Picture pixels per busy-map cell."""
        return self.width / self.busy.shape[1]

    @classmethod
    def blank(cls, width: int, height: int) -> Reading:
        """A picture with nothing in it: evenly calm, no faces."""
        scale = _MAP_SIDE / max(width, height)
        shape = (max(1, round(height * scale)), max(1, round(width * scale)))
        return cls(width, height, (), np.zeros(shape, np.float32))


def _resized(rgb: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    height, width = rgb.shape[:2]
    scale = min(1.0, side / max(width, height))
    if scale == 1.0:
        return rgb, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), scale


def busy_map(rgb: np.ndarray) -> np.ndarray:
    """Edge density plus colour spread per cell of a reduced copy, each cell in 0..1."""
    small, _ = _resized(rgb, _MAP_SIDE * 2)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    grey = cv2.GaussianBlur(lab[..., 0], (3, 3), 0)
    edges = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    mean = cv2.blur(lab, (5, 5))
    # OpenCV's own arithmetic, not NumPy's: the same numbers in half the time (no temporary per step).
    variance = cv2.subtract(cv2.blur(cv2.multiply(lab, lab), (5, 5)), cv2.multiply(mean, mean))
    spread = cv2.sqrt(cv2.max(cv2.transform(variance, _CHANNEL_SUM), 0))
    # Scaled so that a drawn outline or a face's features reach 1 and flat paint (or soft noise) stays low.
    busy = np.clip(cv2.min(edges * (0.6 / 160.0), 0.6) + cv2.min(spread * (0.6 / 40.0), 0.6), 0, 1)
    height, width = small.shape[:2]
    return cv2.resize(busy, (max(1, width // 2), max(1, height // 2)), interpolation=cv2.INTER_AREA)


def cascade_faces(grey: np.ndarray, scale: float) -> list[Box]:
    """Frontal faces found by the Haar cascade, in picture pixels."""
    least = max(12, round(min(grey.shape) * 0.08))
    found = _CASCADE.detectMultiScale(grey, scaleFactor=1.2, minNeighbors=4, minSize=(least, least))
    # The cascade's square runs from the brows to the chin: grown to take in the forehead and the hair.
    return [_box(x - w * 0.05, y - h * 0.25, w * 1.1, h * 1.35, scale) for x, y, w, h in (found if len(found) else [])]


def skin_faces(rgb: np.ndarray, scale: float) -> list[Box]:
    """Compact skin-coloured blobs with holes (eyes, mouth, glasses) in them, as head boxes in picture pixels.

    Looked for twice: in skin joined across thin cuts (a face that eyes, glasses or a beard's edge cut
    into bands), and in skin split wherever its colour changes. The split pass finds faces painted
    without outlines next to other skin-coloured paint (a peach face on a pale yellow dress over a
    sandy path, in the storybook and paper cut-out styles), which joined are one blob too big to be a head.
    """
    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    y, cr, cb = ycrcb[..., 0], ycrcb[..., 1], ycrcb[..., 2]
    skin = ((cr >= _CR[0]) & (cr <= _CR[1]) & (cb >= _CB[0]) & (cb <= _CB[1]) & (y >= _MIN_Y)).astype(np.uint8)
    short = min(skin.shape)
    # A panel's frame may be skin-coloured (tan, brown): it would hold everything inside one outline.
    frame = max(2, round(short * _FRAME))
    skin[:frame], skin[-frame:], skin[:, :frame], skin[:, -frame:] = 0, 0, 0, 0
    skin = cv2.morphologyEx(skin, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    k = max(3, round(short * 0.02)) | 1
    joined = cv2.morphologyEx(skin, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    # The median takes out halftone dots and paper speckle, which would split a face into crumbs.
    lab = cv2.cvtColor(cv2.medianBlur(rgb, 5), cv2.COLOR_RGB2LAB)
    step = cv2.morphologyEx(lab, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    edges = cv2.max(cv2.max(step[..., 0], step[..., 1]), step[..., 2]) >= _COLOUR_STEP
    split = skin & ~edges
    return _heads(joined, skin, frame, scale) + _heads(split, skin, frame, scale)


def _heads(blobs: np.ndarray, skin: np.ndarray, frame: int, scale: float) -> list[Box]:
    """The blobs of `blobs` shaped like a face, with holes in `skin` where the eyes and mouth are."""
    short = min(skin.shape)
    contours, _ = cv2.findContours(blobs, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    faces = []
    for contour in contours:
        x, y0, w, h = cv2.boundingRect(contour)
        if not (short * 0.04 <= min(w, h) and max(w, h) <= short * 0.6 and 0.5 <= w / h <= 2.0):
            continue
        if y0 + h >= skin.shape[0] - frame - 1:  # a face shows its chin; a path or a floor runs off the bottom
            continue
        hull = np.zeros((h, w), np.uint8)
        cv2.drawContours(hull, [cv2.convexHull(contour)], -1, 1, thickness=cv2.FILLED, offset=(-x, -y0))
        area = int(hull.sum())
        if area < 0.6 * w * h:  # not compact: a floor's edge, an arm, a branch
            continue
        # Holes two pixels across at least: eyes and a mouth, not the specks halftone dots leave in skin.
        gaps = cv2.morphologyEx(hull & (1 - skin[y0 : y0 + h, x : x + w]), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
        holes = int(gaps.sum())
        if 0.03 <= holes / area <= 0.5:  # eyes and a mouth, not a bare patch of skin (a hand, a knee)
            # Skin is the face; the head reaches above it (forehead under the hair, the hair itself).
            faces.append(_box(x - w * 0.12, y0 - h * 0.55, w * 1.24, h * 1.55, scale))
    return faces


def _box(x: float, y: float, w: float, h: float, scale: float) -> Box:
    return Box(int(x / scale), int(y / scale), int(np.ceil((x + w) / scale)), int(np.ceil((y + h) / scale)))


def _shared(a: Box, b: Box) -> int:
    return max(0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0, min(a.y1, b.y1) - max(a.y0, b.y0))


def _merged(boxes: list[Box]) -> tuple[Box, ...]:
    """Boxes that mostly overlap merged into one (both detectors often find the same face)."""
    result: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b.area):
        for index, kept in enumerate(result):
            if _shared(kept, box) >= 0.3 * min(kept.area, box.area):
                result[index] = kept.union(box)
                break
        else:
            result.append(box)
    return tuple(sorted(result, key=lambda b: (b.x0, b.y0)))


def read_picture(image: Image.Image) -> Reading:
    """The faces and busy map of an RGB picture."""
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    small, scale = _resized(rgb, _FACE_SIDE)
    tiny, tiny_scale = _resized(small, _CASCADE_SIDE)
    found = cascade_faces(cv2.equalizeHist(cv2.cvtColor(tiny, cv2.COLOR_RGB2GRAY)), scale * tiny_scale)
    # Where the cascade found a face, its box is tighter than a skin blob's (which takes in the neck).
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    drawn = [_box(x - w * 0.12, y - h * 0.55, w * 1.24, h * 1.55, scale) for x, y, w, h in drawn_faces(grey)]
    others = [b for b in skin_faces(small, scale) + drawn if not any(_shared(b, f) >= 0.3 * f.area for f in found)]
    faces = _merged(found + others)
    # The copy skin was looked for in serves the busy map too: it is the size busy_map reduces to (_MAP_SIDE * 2).
    return Reading(image.width, image.height, faces, busy_map(small))
