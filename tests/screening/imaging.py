"""Synthetic listing images made with Pillow, for the image core's tests and the labelled set.

``product_image(seed)`` draws a product-photo-like scene: a background (gradient, stripes, checks or
a radial light), clutter, one product (a body, a handle or cap, details, sometimes a printed word),
blur and sensor noise. Seeds give unrelated images of natural variety, the kind a perceptual hash
must keep apart. ``text_image`` puts lines of text (Latin or Chinese) on a label over such a scene,
as a seller's photo with a caption does. The edits are those a copier makes: ``resized``,
``recompressed``, ``cropped``, ``brightened``.

The fonts are Debian's (``make system-deps`` installs them): DejaVu Sans Bold and WenQuanYi Micro Hei.
"""

import io
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
CHINESE_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def font(text, size):
    path = CHINESE_FONT if any(ord(c) >= 0x2E80 for c in text) else LATIN_FONT
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `make system-deps` (fonts-dejavu-core, fonts-wqy-microhei)")
    return ImageFont.truetype(str(path), size)


def _colour(rng):
    return tuple(rng.randrange(256) for _ in range(3))


def _background(rng, width, height):
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    style = rng.choice(["gradient", "stripes", "checks", "radial"])
    first, second = np.array(_colour(rng), np.float32), np.array(_colour(rng), np.float32)
    if style == "gradient":
        angle = rng.uniform(0, 2 * np.pi)
        t = np.cos(angle) * (xx / width - 0.5) + np.sin(angle) * (yy / height - 0.5) + 0.5
    elif style == "stripes":
        angle, period = rng.uniform(0, np.pi), rng.uniform(width / 12, width / 3)
        t = 0.5 + 0.5 * np.sin(2 * np.pi * (np.cos(angle) * xx + np.sin(angle) * yy) / period)
    elif style == "checks":
        period = rng.uniform(width / 10, width / 3)
        t = ((xx // period + yy // period) % 2).astype(np.float32)
    else:
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        t = np.hypot(xx - cx, yy - cy) / (1.2 * max(width, height))
    t = np.clip(t, 0, 1)[..., None]
    return Image.fromarray((first * (1 - t) + second * t).astype(np.uint8), "RGB")


def product_image(seed, size=(640, 640)):
    """A product-photo-like RGB image, the same for the same seed."""
    rng = random.Random(seed)
    width, height = size
    image = _background(rng, width, height)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 6)):
        x, y, s = rng.randrange(width), rng.randrange(height), rng.randrange(width // 12, width // 4)
        shape = rng.choice(["ellipse", "rectangle", "polygon"])
        if shape == "ellipse":
            draw.ellipse([x, y, x + s, y + rng.randrange(s // 2, 2 * s)], fill=_colour(rng))
        elif shape == "rectangle":
            draw.rectangle([x, y, x + s, y + rng.randrange(s // 2, 2 * s)], fill=_colour(rng))
        else:
            points = [(x + rng.randrange(-s, s), y + rng.randrange(-s, s)) for _ in range(rng.randint(3, 6))]
            draw.polygon(points, fill=_colour(rng))
    cx, cy = width * rng.uniform(0.3, 0.7), height * rng.uniform(0.35, 0.7)
    bw, bh = width * rng.uniform(0.25, 0.55), height * rng.uniform(0.2, 0.45)
    body = [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2]
    if rng.random() < 0.5:
        draw.rounded_rectangle(body, radius=int(min(bw, bh) * rng.uniform(0.05, 0.3)), fill=_colour(rng))
    else:
        draw.ellipse(body, fill=_colour(rng))
    top = rng.choice(["handle", "cap", "none"])
    if top == "handle":
        box = [cx - bw / 3, cy - bh, cx + bw / 3, cy - bh / 3]
        draw.arc(box, 180, 360, fill=_colour(rng), width=max(3, width // 60))
    elif top == "cap":
        draw.rectangle([cx - bw / 6, cy - bh / 2 - height / 10, cx + bw / 6, cy - bh / 2], fill=_colour(rng))
    for _ in range(rng.randint(1, 4)):
        dx, dy = rng.uniform(-bw / 3, bw / 3), rng.uniform(-bh / 3, bh / 3)
        r = min(bw, bh) * rng.uniform(0.05, 0.2)
        draw.ellipse([cx + dx - r, cy + dy - r, cx + dx + r, cy + dy + r], fill=_colour(rng))
    if rng.random() < 0.6:
        word = "".join(rng.choice("ABCDEFGHKLMNPRSTUVWXZ") for _ in range(rng.randint(3, 7)))
        position = (rng.uniform(0.05, 0.5) * width, rng.uniform(0.05, 0.85) * height)
        draw.text(position, word, font=font(word, int(height * rng.uniform(0.05, 0.1))), fill=_colour(rng))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
    noise = np.random.default_rng(seed).normal(0, rng.uniform(2, 8), (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(image, np.float32) + noise, 0, 255).astype(np.uint8), "RGB")


def text_image(seed, lines, size=(800, 800), style=None, scene=True, font_px=(40, 64)):
    """A product scene with ``lines`` of text on a label: light ("light"), dark ("dark") or a sticker.

    ``scene=False``: on a studio backdrop (light grey with sensor noise) instead of a busy scene.
    ``font_px``: the range of the font's size in pixels (small print: ``(20, 26)``).
    """
    rng = random.Random(f"text-{seed}")
    if scene:
        image = product_image(seed, size)
    else:
        grey = rng.randrange(200, 245)
        noise = np.random.default_rng(seed).normal(0, 3, (size[1], size[0], 1))
        image = Image.fromarray(np.clip(grey + noise, 0, 255).astype(np.uint8).repeat(3, axis=2), "RGB")
    draw = ImageDraw.Draw(image)
    style = style or rng.choice(["light", "dark", "sticker"])
    fonts = [font(line, rng.randrange(*font_px)) for line in lines]
    boxes = [draw.textbbox((0, 0), line, font=f) for line, f in zip(lines, fonts, strict=True)]
    text_width = max(box[2] - box[0] for box in boxes)
    text_height = sum(box[3] - box[1] for box in boxes) + 20 * (len(lines) - 1)
    x = rng.randrange(40, max(41, size[0] - text_width - 40))
    y = rng.randrange(40, max(41, size[1] - text_height - 40))
    panel = [x - 24, y - 24, x + text_width + 24, y + text_height + 24]
    if style == "light":
        draw.rectangle(panel, fill=(rng.randrange(225, 256),) * 3)
        ink = (rng.randrange(0, 50),) * 3
    elif style == "dark":
        draw.rectangle(panel, fill=(rng.randrange(0, 40),) * 3)
        ink = (255, 255, 255)
    else:
        draw.rounded_rectangle(panel, radius=20, fill=(250, 230, 60), outline=(20, 20, 20), width=4)
        ink = (20, 20, 20)
    for line, f, box in zip(lines, fonts, boxes, strict=True):
        draw.text((x, y - box[1]), line, font=f, fill=ink)
        y += box[3] - box[1] + 20
    return image


def encoded(image, format="PNG", **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def resized(image, scale):
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def recompressed(image, quality=60):
    return Image.open(io.BytesIO(encoded(image.convert("RGB"), "JPEG", quality=quality))).convert("RGB")


def cropped(image, *, left=0.0, top=0.0, right=0.0, bottom=0.0):
    """The image with the given fractions of its width and height cut from each side."""
    w, h = image.size
    return image.crop((round(left * w), round(top * h), w - round(right * w), h - round(bottom * h)))


def rotated(image, degrees):
    """The image turned by a few degrees, as a hand-held photo is; the corners filled with mid grey."""
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))


def brightened(image, factor):
    return ImageEnhance.Brightness(image).enhance(factor)
