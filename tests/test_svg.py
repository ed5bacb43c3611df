"""Uploaded SVGs are stored only once made safe: no script, handlers or outside references."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from webapp.content.images import UnsupportedImage, sniff_image
from webapp.content.svg import SVG_NS, XLINK_NS, UnsafeSvg, sanitize_svg
from webapp.services.assets import store_image

DEMO_IMAGES = Path(__file__).resolve().parents[1] / "webapp" / "demo" / "images"


def svg(body: str, attributes: str = "") -> bytes:
    return (
        f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" viewBox="0 0 10 10"{attributes}>'
        f"{body}</svg>"
    ).encode()


def clean(body: str, attributes: str = "") -> str:
    return sanitize_svg(svg(body, attributes)).decode()


def test_a_clean_svg_comes_out_the_same():
    data = svg('<rect width="10" height="10" fill="url(#g)"/><use xlink:href="#g"/>')
    out = sanitize_svg(data)
    assert out == data
    assert sanitize_svg(out) == out


def test_script_elements_are_removed():
    out = clean(
        '<script>alert(1)</script><script type="text/ecmascript"><![CDATA[x()]]></script><rect/>'
    )
    assert "script" not in out and "alert" not in out and "<rect/>" in out


def test_script_in_another_namespace_is_removed():
    out = clean(
        '<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(2)</h:script><circle r="1"/>'
    )
    assert "alert" not in out and "<circle" in out


def test_event_handlers_are_removed():
    out = clean('<rect onclick="x()" ONMOUSEOVER="y()" width="1"/>', ' onload="alert(1)"')
    assert "onload" not in out.lower() and "onclick" not in out.lower()
    assert "onmouseover" not in out.lower() and 'width="1"' in out


def test_foreign_object_is_removed_with_its_content():
    out = clean(
        '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example/"/></div></foreignObject><rect/>'
    )
    assert "foreignObject" not in out and "iframe" not in out and "evil" not in out


@pytest.mark.parametrize(
    "element",
    [
        '<a href="javascript:alert(1)"><text>x</text></a>',
        '<a xlink:href="javascript:alert(1)"><text>x</text></a>',
        '<image href="https://evil.example/track.png"/>',
        '<image xlink:href="file:///etc/passwd"/>',
        '<use href="other.svg#icon"/>',
        '<image href="data:text/html;base64,PHNjcmlwdD4="/>',
    ],
)
def test_outside_hrefs_are_removed(element):
    out = clean(element)
    assert "href" not in out


@pytest.mark.parametrize(
    "element",
    [
        '<use href="#shape"/>',
        '<use xlink:href="#shape"/>',
        '<image href="data:image/png;base64,iVBORw0KGgo="/>',
    ],
)
def test_fragment_and_embedded_image_hrefs_stay(element):
    assert "href=" in clean(element)


def test_external_urls_in_attributes_and_styles_are_removed():
    out = clean(
        '<rect fill="url(https://evil.example/#p)" stroke="url(#ok)" '
        'style="fill: url(//evil.example/x)"/><circle style="fill:red"/>'
    )
    assert "evil" not in out
    assert 'stroke="url(#ok)"' in out and 'style="fill:red"' in out


@pytest.mark.parametrize(
    "css",
    [
        "@import url(https://evil.example/x.css);",
        ".a { background: url(https://evil.example/x.png) }",
        ".a { fill: red } @import 'x.css';",
        ".a { fill: \\75 rl(x) }",
    ],
)
def test_style_sheets_that_load_things_are_emptied(css):
    out = clean(f"<style>{css}</style><rect/>")
    assert "<style/>" in out and "evil" not in out


def test_harmless_style_sheets_stay():
    out = clean("<style>.a { fill: url(#grad); stroke: red }</style>")
    assert ".a { fill: url(#grad); stroke: red }" in out


def test_animation_that_sets_an_href_is_removed():
    out = clean(
        '<a><set attributeName="xlink:href" to="javascript:alert(1)"/>'
        '<animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a>'
        '<animate attributeName="opacity" values="0;1" dur="1s"/>'
    )
    assert "javascript" not in out and 'attributeName="opacity"' in out


def test_processing_instructions_and_comments_are_dropped():
    data = b'<?xml-stylesheet href="https://evil.example/x.css"?><!-- note --><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'
    assert sanitize_svg(data) == b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'


def test_editor_metadata_is_dropped_and_the_result_parses():
    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
        b' inkscape:version="1.0"><g inkscape:label="Layer 1"><rect/></g></svg>'
    )
    root = ET.fromstring(sanitize_svg(data))
    assert root.tag == f"{{{SVG_NS}}}svg" and "inkscape" not in sanitize_svg(data).decode()


def test_svg_without_namespace_gets_one():
    assert (
        sanitize_svg(b"<svg><rect/></svg>")
        == b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>',
            "DOCTYPE",
        ),
        (
            b'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
            "DOCTYPE",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>', "does not parse"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "does not parse"),
        (b"<html><body><svg/></body></html>", "not <svg>"),
    ],
    ids=["entity-expansion", "external-entity", "undefined-entity", "broken", "html"],
)
def test_svgs_that_cannot_be_made_safe_are_refused(data, reason):
    with pytest.raises(UnsafeSvg) as raised:
        sanitize_svg(data)
    assert reason in str(raised.value)


def test_plain_public_doctype_is_accepted_and_dropped():
    data = (
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'
    )
    assert sanitize_svg(data) == b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'


def test_deep_nesting_is_refused():
    data = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 1000 + b"</g>" * 1000 + b"</svg>"
    with pytest.raises(UnsafeSvg):
        sanitize_svg(data)


@pytest.mark.parametrize("path", sorted(DEMO_IMAGES.glob("*.svg")), ids=lambda p: p.name)
def test_demo_svgs_keep_their_drawing(path):
    before = ET.fromstring(path.read_bytes())
    after = ET.fromstring(sanitize_svg(path.read_bytes()))
    assert [e.tag for e in before.iter()] == [e.tag for e in after.iter()]


def test_sniffing_takes_xml_with_an_svg_root_and_nothing_else():
    assert sniff_image(b'<?xml version="1.0"?>\n<svg xmlns="x"/>')[1] == "svg"
    assert sniff_image(b"\xef\xbb\xbf<svg/>")[1] == "svg"
    with pytest.raises(UnsupportedImage):
        sniff_image(b"# Title\n\n<svg/> in a Markdown file")


def test_store_image_keeps_the_sanitised_copy(app):
    from webapp.extensions import db

    with app.app_context():
        written: list[str] = []
        asset = store_image(svg("<script>alert(1)</script><rect/>"), written)
        db.session.commit()
        stored = (Path(app.instance_path) / "uploads" / written[0]).read_bytes()
        assert b"script" not in stored and asset.size == len(stored)
        with pytest.raises(UnsupportedImage) as raised:
            store_image(
                b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>'
            )
        assert "SVG refused" in str(raised.value)
