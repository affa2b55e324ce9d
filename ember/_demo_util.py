"""Helpers of `ember demo` that are not about PyTorch: a progress bar and
the two pictures.

- `progress(iterable, desc)`: tqdm's bar when tqdm is installed, else a
  plain in-place line on a terminal (and nothing when stderr is not one).
- `save_curves(...)`, `save_digit_grid(...)`: PNG pictures, drawn with
  matplotlib when it is installed, else rasterised here with NumPy and
  written by a small PNG encoder (zlib + struct), so the demo needs nothing
  beyond NumPy.
"""
import os
import struct
import sys
import time
import zlib

import numpy as np

__all__ = ["progress", "save_curves", "save_digit_grid", "write_png"]


# --- progress bar -----------------------------------------------------------

def progress(iterable, desc, file=None):
    """A progress bar over `iterable` with `set_postfix(**values)` and
    `close()` (the subset of tqdm the demo uses)."""
    file = sys.stderr if file is None else file
    interactive = hasattr(file, "isatty") and file.isatty()
    try:
        # tqdm.std, not tqdm.auto: tqdm.auto's bar calls iter() on the loader
        # when it is made, which starts a second epoch iterator and draws one
        # more seed from the random stream, changing the shuffling.
        from tqdm.std import tqdm
    except ImportError:
        return _PlainBar(iterable, desc, file, enabled=interactive)
    return tqdm(iterable, desc=desc, unit="batch", leave=False, file=file,
                disable=not interactive, dynamic_ncols=True)


class _PlainBar:
    """`epoch 2/10 [##########..........]  23/45  loss=0.1234 acc=0.9612`,
    redrawn in place with a carriage return, at most ~20 times a second."""

    WIDTH = 24

    def __init__(self, iterable, desc, file, enabled=True):
        self.iterable = iterable
        self.desc = desc
        self.file = file
        self.enabled = enabled
        self.total = len(iterable) if hasattr(iterable, "__len__") else None
        self.n = 0
        self.postfix = ""
        self._last = 0.0
        self._shown = 0

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.n += 1
            self._draw()
        self._draw(force=True)

    def set_postfix(self, refresh=True, **values):
        self.postfix = " ".join(f"{k}={v}" for k, v in values.items())
        if refresh:
            self._draw()

    def _draw(self, force=False):
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.05:
            return
        self._last = now
        if self.total:
            done = int(self.WIDTH * self.n / self.total)
            bar = "#" * done + "." * (self.WIDTH - done)
            text = f"{self.desc} [{bar}] {self.n:>{len(str(self.total))}}/{self.total}  {self.postfix}"
        else:
            text = f"{self.desc} {self.n}  {self.postfix}"
        pad = max(0, self._shown - len(text))
        self.file.write("\r" + text + " " * pad)
        self.file.flush()
        self._shown = len(text)

    def close(self):
        """Erase the line (like tqdm's leave=False): the caller prints a summary."""
        if self.enabled and self._shown:
            self.file.write("\r" + " " * self._shown + "\r")
            self.file.flush()
            self._shown = 0


# --- PNG files --------------------------------------------------------------

def write_png(path, image):
    """Write `image` (H, W, 3) uint8 RGB, or (H, W) gray, as a PNG file."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim == 2:
        color_type, channels = 0, 1
    elif image.ndim == 3 and image.shape[2] == 3:
        color_type, channels = 2, 3
    else:
        raise ValueError(f"write_png: expected an (H, W) or (H, W, 3) array, got shape {image.shape}")
    height, width = image.shape[:2]
    rows = image.reshape(height, width * channels)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1)  # filter type 0 per row

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(data)


# --- a tiny raster canvas -----------------------------------------------------

_GLYPHS = {  # 5x7 bitmap font: each glyph is 7 rows of 5 bits
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111", "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111", "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110", "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001", "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001", "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110", "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010", "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 10001 01010 00100 00100 00100", "Z": "11111 00001 00010 00100 01000 10000 11111",
    ".": "00000 00000 00000 00000 00000 01100 01100", ":": "00000 01100 01100 00000 01100 01100 00000",
    "-": "00000 00000 00000 11111 00000 00000 00000", "/": "00000 00001 00010 00100 01000 10000 00000",
    "(": "00010 00100 01000 01000 01000 00100 00010", ")": "01000 00100 00010 00010 00010 00100 01000",
    "=": "00000 00000 11111 00000 11111 00000 00000", ",": "00000 00000 00000 00000 01100 00100 01000",
    "%": "11000 11001 00010 00100 01000 10011 00011", " ": "00000 00000 00000 00000 00000 00000 00000",
}
_FONT = {c: np.array([[b == "1" for b in row] for row in g.split()], dtype=bool) for c, g in _GLYPHS.items()}

WHITE, BLACK, GRAY, LIGHT = (255, 255, 255), (0, 0, 0), (120, 120, 120), (225, 225, 225)
BLUE, PALE_BLUE, ORANGE, GREEN, RED = (31, 119, 180), (160, 200, 230), (255, 127, 14), (0, 140, 60), (214, 39, 40)


class Canvas:
    """An RGB image with the few drawing operations the pictures need."""

    def __init__(self, width, height, color=WHITE):
        self.pixels = np.empty((height, width, 3), np.uint8)
        self.pixels[:] = color

    def fill(self, x0, y0, x1, y1, color):
        h, w = self.pixels.shape[:2]
        x0, x1 = max(0, int(x0)), min(w, int(x1))
        y0, y1 = max(0, int(y0)), min(h, int(y1))
        if x0 < x1 and y0 < y1:
            self.pixels[y0:y1, x0:x1] = color

    def line(self, x0, y0, x1, y1, color, width=1):
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        xs = np.rint(np.linspace(x0, x1, steps)).astype(int)
        ys = np.rint(np.linspace(y0, y1, steps)).astype(int)
        lo = -(width // 2)
        for x, y in zip(xs, ys):
            self.fill(x + lo, y + lo, x + lo + width, y + lo + width, color)

    def text_width(self, text, scale=1):
        return (6 * len(text) - 1) * scale

    def text(self, x, y, text, color=BLACK, scale=1, anchor="left"):
        """Draw `text` (capitals) with its top at y; anchor left, center or right at x."""
        text = str(text).upper()
        if anchor == "center":
            x -= self.text_width(text, scale) // 2
        elif anchor == "right":
            x -= self.text_width(text, scale)
        for i, ch in enumerate(text):
            glyph = _FONT.get(ch, _FONT[" "])
            big = np.kron(glyph, np.ones((scale, scale), dtype=bool))
            gx, gy = int(x) + 6 * scale * i, int(y)
            h, w = self.pixels.shape[:2]
            sub = self.pixels[max(gy, 0):min(gy + big.shape[0], h), max(gx, 0):min(gx + big.shape[1], w)]
            mask = big[max(0, -gy):max(0, -gy) + sub.shape[0], max(0, -gx):max(0, -gx) + sub.shape[1]]
            sub[mask] = color

    def image(self, x, y, gray, scale):
        """Paste a gray image (values 0..1, 1 = ink) scaled by `scale`."""
        big = np.kron(np.asarray(gray, dtype=np.float64), np.ones((scale, scale)))
        shade = (255 * (1.0 - np.clip(big, 0.0, 1.0))).astype(np.uint8)
        self.pixels[y:y + big.shape[0], x:x + big.shape[1]] = shade[..., None]


def _ticks(lo, hi, count=5):
    """Round tick values covering [lo, hi]."""
    span = hi - lo if hi > lo else 1.0
    raw = span / count
    magnitude = 10 ** np.floor(np.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    first = np.ceil(lo / step - 1e-9) * step
    return [round(v, 10) for v in np.arange(first, hi + step * 1e-6, step)]


def _label(value):
    return f"{value:.10g}" if abs(value) >= 1e-9 else "0"


def _panel(canvas, box, title, xlim, ylim, series, xlabel, legend="top"):
    """A line chart in box (x, y, w, h): series = [(xs, ys, color, width, name, markers)]."""
    bx, by, bw, bh = box
    left, right, top, bottom = bx + 52, bx + bw - 12, by + 30, by + bh - 40
    canvas.text(bx + bw // 2, by + 6, title, BLACK, 2, "center")
    (x0, x1), (y0, y1) = xlim, ylim
    px = lambda v: left + (v - x0) / ((x1 - x0) or 1.0) * (right - left)  # noqa: E731
    py = lambda v: bottom - (v - y0) / ((y1 - y0) or 1.0) * (bottom - top)  # noqa: E731
    for v in _ticks(y0, y1):
        canvas.line(left, py(v), right, py(v), LIGHT)
        canvas.text(left - 6, py(v) - 3, _label(v), GRAY, 1, "right")
    for v in _ticks(x0, x1, min(10, max(1, int(x1 - x0)))):
        if float(v).is_integer():
            canvas.line(px(v), bottom, px(v), bottom + 4, GRAY)
            canvas.text(px(v), bottom + 8, _label(v), GRAY, 1, "center")
    canvas.text((left + right) // 2, bottom + 22, xlabel, GRAY, 1, "center")
    for xs, ys, color, width, _, markers in series:
        points = [(px(x), py(y)) for x, y in zip(xs, ys)]
        for (ax, ay), (cx, cy) in zip(points, points[1:]):
            canvas.line(ax, ay, cx, cy, color, width)
        if markers:
            for cx, cy in points:
                canvas.fill(cx - 2, cy - 2, cx + 3, cy + 3, color)
    canvas.line(left, top, left, bottom, BLACK)
    canvas.line(left, bottom, right, bottom, BLACK)
    names = [s for s in series if s[4]]
    ly = top + 6 if legend == "top" else bottom - 6 - 12 * len(names)
    for _, _, color, _, name, _ in series:
        if name:
            canvas.fill(right - 110, ly + 2, right - 96, ly + 5, color)
            canvas.text(right - 90, ly, name, color)
            ly += 12


def _have_matplotlib():
    if os.environ.get("EMBER_DEMO_NO_MATPLOTLIB"):
        return False
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except Exception:
        return False
    return True


# --- the two pictures -----------------------------------------------------------

def save_curves(path, history):
    """Training loss (per batch and per epoch) and train/test accuracy per epoch.

    `history`: {"step_loss": [...], "steps_per_epoch": int, "epoch_loss": [...],
    "train_acc": [...], "test_acc": [...]}."""
    epochs = np.arange(1, len(history["epoch_loss"]) + 1)
    step_x = np.arange(1, len(history["step_loss"]) + 1) / history["steps_per_epoch"]
    if _have_matplotlib():
        import matplotlib.pyplot as plt
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        a.plot(step_x, history["step_loss"], color="#a0c8e6", lw=1, label="batch")
        a.plot(epochs, history["epoch_loss"], "o-", color="#1f77b4", label="epoch mean")
        a.set(title="training loss", xlabel="epoch", ylim=(0, None))
        a.legend()
        b.plot(epochs, history["train_acc"], "o-", color="#1f77b4", label="train")
        b.plot(epochs, history["test_acc"], "o-", color="#ff7f0e", label="test")
        b.set(title="accuracy", xlabel="epoch")
        b.legend()
        for ax in (a, b):
            ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, dpi=100, format="png")
        plt.close(fig)
        return
    canvas = Canvas(900, 340)
    top_loss = max(max(history["step_loss"], default=1.0), 1e-3)
    last = max(1, len(epochs))
    _panel(canvas, (0, 0, 450, 340), "training loss", (0, last), (0, top_loss), [
        (step_x, history["step_loss"], PALE_BLUE, 1, "batch", False),
        (epochs, history["epoch_loss"], BLUE, 2, "epoch mean", True)], "epoch")
    accs = history["train_acc"] + history["test_acc"]
    low = min(accs, default=0.0)
    low = max(0.0, np.floor(low * 20 - 0.5) / 20)
    _panel(canvas, (450, 0, 450, 340), "accuracy", (1 if last > 1 else 0, last), (low, 1.0), [
        (epochs, history["train_acc"], BLUE, 2, "train", True),
        (epochs, history["test_acc"], ORANGE, 2, "test", True)], "epoch", legend="bottom")
    write_png(path, canvas.pixels)


def save_digit_grid(path, images, predicted, targets, columns=10):
    """A grid of test digits (pixel values 0..16) with the predicted label
    under each: green when right, red with the true label when wrong."""
    images = np.asarray(images, dtype=np.float64).reshape(len(images), 8, 8) / 16.0
    predicted, targets = np.asarray(predicted), np.asarray(targets)
    rows = -(-len(images) // columns)
    right = int((predicted == targets).sum())
    if _have_matplotlib():
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.9, rows * 1.05 + 0.4))
        for i, ax in enumerate(np.ravel(axes)):
            ax.axis("off")
            if i < len(images):
                ok = predicted[i] == targets[i]
                ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1)
                ax.set_title(f"{predicted[i]}" if ok else f"{predicted[i]} ({targets[i]})",
                             color="green" if ok else "red", fontsize=9)
        fig.suptitle(f"test digits, predicted labels: {right}/{len(images)} right "
                     "(red: wrong, true label in brackets)")
        fig.tight_layout()
        fig.savefig(path, dpi=100, format="png")
        plt.close(fig)
        return
    scale, cell_w, cell_h, top = 5, 64, 66, 48
    canvas = Canvas(columns * cell_w + 16, rows * cell_h + top + 8)
    middle = canvas.pixels.shape[1] // 2
    canvas.text(middle, 8, "test digits, predicted labels", BLACK, 2, "center")
    canvas.text(middle, 28, f"{right}/{len(images)} right. red: wrong (true label in brackets)", GRAY, 1, "center")
    for i in range(len(images)):
        r, c = divmod(i, columns)
        x = 8 + c * cell_w + (cell_w - 8 * scale) // 2
        y = top + r * cell_h
        canvas.image(x, y, images[i], scale)
        ok = predicted[i] == targets[i]
        label = f"{predicted[i]}" if ok else f"{predicted[i]} ({targets[i]})"
        canvas.text(8 + c * cell_w + cell_w // 2, y + 8 * scale + 4, label, GREEN if ok else RED, 2, "center")
    write_png(path, canvas.pixels)
