"""A corpus of cross-site scripting payloads, and the Markdown documents that carry them.

Classic vectors (script tags, event handlers, javascript: and data: URLs, SVG and MathML,
CSS expressions, attribute and element breakouts, mutation XSS, entity tricks), Markdown
link and attribute vectors, KaTeX commands that make links or attributes, Mermaid labels
and click handlers, and front matter values (titles, tags, categories, descriptions,
covers, language) that pages, feeds and JSON-LD repeat. Each payload, if it ever ran,
opens a dialog (alert) or sets window.__xss: the browser test watches for both.
"""

from __future__ import annotations

import json

# What a payload runs: a dialog, and (for filters that drop parentheses) a plain flag.
MARKERS = ("alert(1)", "top.__xss=1")
PLACEHOLDER = "$JS"

# Raw HTML, written into Markdown as it is (Python-Markdown passes it to the sanitizer).
HTML_VECTORS = [
    "<script>$JS</script>",
    "<SCRIPT>$JS</SCRIPT>",
    '<script src="data:text/javascript,$JS"></script>',
    "<script>/*</script><script>$JS</script>",
    "<scr<script>ipt>$JS</scr</script>ipt>",
    "<script>alert`1`</script>",
    "<img src=x onerror=$JS>",
    '<img src="x" onerror="$JS">',
    "<IMG SRC=x OnErRoR=$JS>",
    "<img/src=x/onerror=$JS>",
    "<img src=`x`onerror=$JS>",
    "<img src=x:x onerror=$JS//",
    '<img """><script>$JS</script>">',
    "<img src=x onerror=eval(atob('dG9wLl9feHNzPTE='))>",
    '<img src="x" width="300" onerror="$JS">',
    "<input type=image src=x onerror=$JS>",
    "<svg onload=$JS>",
    "<svg/onload=$JS>",
    "<svg><script>$JS</script></svg>",
    "<svg><animate onbegin=$JS attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:$JS"><text x=20 y=20>X</text></a></svg>',
    '<svg><a><set attributeName=href to="javascript:$JS"/><text y=20>X</text></a></svg>',
    "<svg><style><img src=x onerror=$JS></style></svg>",
    "<svg><title><img src=x onerror=$JS></title></svg>",
    '<svg><foreignObject><iframe srcdoc="<script>$JS</script>"></iframe></foreignObject></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=$JS></style></mglyph></table></mtext></math>",
    '<math><maction actiontype="statusline" xlink:href="javascript:$JS">X</maction></math>',
    '<math href="javascript:$JS">X</math>',
    '<math><mi xlink:href="javascript:$JS">X</mi></math>',
    '<form><math><mtext></form><form><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=$JS src=x>">',
    '<noscript><p title="</noscript><img src=x onerror=$JS>">',
    '<noembed><img title="</noembed><img src=x onerror=$JS>"></noembed>',
    '<!--<img src="--><img src=x onerror=$JS//">',
    "<![CDATA[<script>$JS</script>]]>",
    "<xmp><img src=x onerror=$JS></xmp>",
    "<template><script>$JS</script></template>",
    "<body onload=$JS>",
    "<frameset onload=$JS>",
    '<iframe src="javascript:$JS"></iframe>',
    '<iframe srcdoc="<script>$JS</script>"></iframe>',
    '<iframe src="data:text/html,<script>$JS</script>"></iframe>',
    "<iframe/onload=$JS>",
    '<object data="javascript:$JS"></object>',
    '<object data="data:text/html,<script>$JS</script>"></object>',
    "<object data=x onerror=$JS></object>",
    '<embed src="javascript:$JS">',
    '<portal src="javascript:$JS"></portal>',
    '<a href="javascript:$JS">link 1</a>',
    '<a href="JaVaScRiPt:$JS">link 2</a>',
    '<a href="&#106;avascript:$JS">link 3</a>',
    '<a href="java&#x09;script:$JS">link 4</a>',
    '<a href=" javascript:$JS">link 5</a>',
    '<a href="javas\tcript:$JS">link 6</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058$JS">link 7</a>',
    '<a href="vbscript:msgbox(1)">link 8</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link 9</a>',
    '<a href="#" onclick="$JS">link 10</a>',
    '<form action="javascript:$JS"><button>go</button></form>',
    '<button formaction="javascript:$JS">go</button>',
    "<input autofocus onfocus=$JS>",
    "<select autofocus onfocus=$JS></select>",
    "<textarea autofocus onfocus=$JS></textarea>",
    "<keygen autofocus onfocus=$JS>",
    "<details open ontoggle=$JS>",
    "<video><source onerror=$JS></video>",
    "<audio src=x onerror=$JS>",
    "<video poster=javascript:$JS></video>",
    "<marquee onstart=$JS>x</marquee>",
    '<div onmouseover="$JS" style="position:fixed;inset:0">hover</div>',
    '<p style="background:url(javascript:$JS)">bg</p>',
    '<p style="width:expression($JS)">expr</p>',
    "<style>@import 'javascript:$JS';</style>",
    '<style>*{background:url("javascript:$JS")}</style>',
    '<link rel=stylesheet href="javascript:$JS">',
    '<meta http-equiv="refresh" content="0;url=javascript:$JS">',
    '<base href="javascript:$JS//">',
    "<isindex action=javascript:$JS type=image>",
    '<table background="javascript:$JS"><tr><td>t</td></tr></table>',
    '"><script>$JS</script>',
    "'><script>$JS</script>",
    "</title><script>$JS</script>",
    "</textarea><script>$JS</script>",
    "</style><script>$JS</script>",
    "</script><script>$JS</script>",
    '<div hx-get="/" hx-trigger="load" hx-on::after-request="$JS">htmx</div>',
    '<div hx-on:click="$JS">htmx click</div>',
    '<img src=x hx-on:error="$JS">',
    '<span data-hx-on:load="$JS">data-hx</span>',
]

# Markdown constructs that make links, images, attributes, headings or code.
MARKDOWN_VECTORS = [
    "[md link 1](javascript:$JS)",
    "[md link 2](JAVASCRIPT:$JS)",
    "[md link 3](javascript&#58;$JS)",
    "[md link 4](<javascript:$JS>)",
    "[md link 5](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[md link 6](vbscript:msgbox)",
    '[md link 7](x" onmouseover="$JS)',
    "[md link 8](x 'title\" onmouseover=\"$JS')",
    "![md image 1](javascript:$JS)",
    '![md image 2" onerror="$JS](y)',
    '![md image 3](x" onerror="$JS)',
    "[md ref][evil]\n\n[evil]: javascript:$JS",
    "<javascript:$JS>",
    "`<script>$JS</script>`",
    "```html\n<script>$JS</script>\n<img src=x onerror=$JS>\n```",
    '```"><img src=x onerror=$JS>\ncode\n```',
    "# Heading <img src=x onerror=$JS>",
    '## Heading `"><img src=x onerror=$JS>`',
    "| a | b |\n|---|---|\n| <img src=x onerror=$JS> | [c](javascript:$JS) |",
    "Footnote[^x]\n\n[^x]: <img src=x onerror=$JS>",
    'A paragraph\n{: onclick="$JS" }',
    '### Attr heading {: onmouseover="$JS" }',
    '[attr link](y){: onclick="$JS" }',
    "The HTML spec.\n\n*[HTML]: <img src=x onerror=$JS>",
    "&lt;script&gt;$JS&lt;/script&gt; and &amp;lt;img src=x onerror=$JS&amp;gt;",
    "[[<img src=x onerror=$JS>]]",
    '![[x" onerror="$JS]]',
    "> [!note] <img src=x onerror=$JS>\n> body",
    "- [ ] <img src=x onerror=$JS>\n- [x] [task](javascript:$JS)",
    '```mermaid\ngraph TD\nA["<img src=x onerror=$JS>"] --> B\nclick A "javascript:$JS"\n```',
    '```mermaid\n%%{init: {"securityLevel": "loose"}}%%\ngraph TD\nA --> B\nclick A call alert(1)\n```',
]

# KaTeX commands that make links, ids, classes or styles, and markup inside formulas.
MATH_VECTORS = [
    "$\\href{javascript:$JS}{x}$",
    "$\\url{javascript:$JS}$",
    '$\\htmlId{x" onclick="$JS}{x}$',
    '$\\htmlClass{x" onmouseover="$JS}{y}$',
    "$\\htmlStyle{background:url(javascript:$JS)}{x}$",
    "$\\htmlData{onclick=$JS}{x}$",
    "$\\includegraphics[height=1em]{javascript:$JS}$",
    "$\\text{<img src=x onerror=$JS>}$",
    "$$\\begin{array}{c}<script>$JS</script>\\end{array}$$",
    '$\\textcolor{red" onmouseover="$JS}{x}$',
    "$\\color{expression($JS)}x$",
    "$<img src=x onerror=$JS>$",
    "$\\def\\x{\\href{javascript:$JS}{y}}\\x$",
    "$$\\operatorname{<script>$JS</script>}$$",
    "$\\mathrm{</span><img src=x onerror=$JS>}$",
    "\\(\\href{javascript:$JS}{z}\\)",
    "\\[\\text{</math><svg onload=$JS>}\\]",
]

# Front matter values, each repeated by pages, cards, feeds, JSON-LD and admin lists.
TITLE_VECTORS = [
    "<script>$JS</script>",
    '"><img src=x onerror=$JS>',
    "</title><script>$JS</script>",
    "</script><script>$JS</script>",
    "' onmouseover='$JS' x='",
    "{{7*7}}<img src=x onerror=$JS>",
    "javascript:$JS",
    "<svg onload=$JS>",
    "&lt;script&gt;$JS&lt;/script&gt;",
    "]]><script>$JS</script>",
]
TAG_VECTORS = [
    "<script>$JS</script>",
    '"><img src=x onerror=$JS>',
    "javascript:$JS",
    "</a><svg onload=$JS>",
]
CATEGORY_VECTORS = ["<img src=x onerror=$JS>", '"><svg onload=$JS>']
FIELD_VECTORS = {
    "description": "<img src=x onerror=$JS> </description><script>$JS</script>",
    "cover": 'javascript:$JS" onerror="$JS',
    "lang": 'en" onmouseover="$JS',
    "dark_images": 'invert" onload="$JS',
}


def payloads(templates: list[str]) -> list[str]:
    """Return each template with each marker in place of $JS (once if it has none)."""
    out = []
    for template in templates:
        if PLACEHOLDER in template:
            out += [template.replace(PLACEHOLDER, marker) for marker in MARKERS]
        else:
            out.append(template)
    return out


def _front_matter(fields: dict) -> str:
    # JSON is YAML: every payload arrives exactly as written, quotes and all.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def body_documents() -> dict[str, str]:
    """Return file name -> Markdown of the articles whose bodies carry the payloads."""
    sections = {
        "xss-html.md": ("XSS corpus: raw HTML", payloads(HTML_VECTORS)),
        "xss-markdown.md": ("XSS corpus: Markdown", payloads(MARKDOWN_VECTORS)),
        "xss-math.md": ("XSS corpus: math", payloads(MATH_VECTORS)),
    }
    documents = {}
    for name, (title, items) in sections.items():
        body = "\n\n".join(f"Case {n}:\n\n{item}" for n, item in enumerate(items, 1))
        meta = {"title": title, "tags": ["xsscorpus"], "categories": ["Corpus"]}
        documents[name] = _front_matter(meta) + "\nxsscorpus body.\n\n" + body + "\n"
    return documents


def front_matter_documents() -> dict[str, str]:
    """Return file name -> Markdown of articles whose front matter carries the payloads."""
    documents = {}
    titles = payloads(TITLE_VECTORS)
    tags = payloads(TAG_VECTORS)
    categories = payloads(CATEGORY_VECTORS)
    fields = {key: payloads([value])[0] for key, value in FIELD_VECTORS.items()}
    for n, title in enumerate(titles):
        meta = {
            "title": title,
            "tags": [*tags[n % 2 :: 2], "xsscorpus"],
            "categories": [categories[n % len(categories)]],
        }
        if n == 0:
            meta.update(fields)
        text = f"xsscorpus front matter {n}: {title}\n\nThe title is the payload."
        documents[f"xss-title-{n:02d}.md"] = _front_matter(meta) + "\n" + text + "\n"
    return documents


def count() -> int:
    """Return how many payloads the documents carry in all."""
    body = sum(len(payloads(group)) for group in (HTML_VECTORS, MARKDOWN_VECTORS, MATH_VECTORS))
    meta = len(payloads(TITLE_VECTORS)) + len(payloads(TAG_VECTORS))
    return body + meta + len(payloads(CATEGORY_VECTORS)) + len(FIELD_VECTORS)
