"""Reading a rendered form as a person sees it (portal/_form_fields.html): each field's box, and the summary on top."""

from django.test.html import Element, parse_html


def _walk(element):
    yield element
    for child in element.children:
        if isinstance(child, Element):
            yield from _walk(child)


def _attributes(element):
    return dict(element.attributes)


def field_boxes(content):
    """{field name: the HTML of its box (label or legend, help text, its errors, the input)}."""
    boxes = {}
    for element in _walk(parse_html(content.decode() if isinstance(content, bytes) else content)):
        box_id = _attributes(element).get("id") or ""
        if element.name == "div" and box_id.startswith("field-"):
            boxes[box_id.removeprefix("field-")] = str(element)
    return boxes


def error_summary(content):
    """[(the field the line links to, or None; the line's text)] of the error summary, in order."""
    for element in _walk(parse_html(content.decode() if isinstance(content, bytes) else content)):
        if element.name == "div" and "error-summary" in (_attributes(element).get("class") or "").split():
            lines = []
            for item in _walk(element):
                if item.name != "li":
                    continue
                links = [e for e in _walk(item) if e.name == "a"]
                target = _attributes(links[0])["href"].removeprefix("#field-") if links else None
                lines.append((target, _text(item)))
            return lines
    return []


def _text(element):
    parts = []
    for child in element.children:
        parts.append(_text(child) if isinstance(child, Element) else str(child))
    return " ".join(" ".join(parts).split())
