"""Old addresses worked out as Hexo, Jekyll and Hugo made them, and cleaned for storage."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from webapp.content.permalinks import (
    AddressError,
    Site,
    clean_address,
    detect_site,
    hexo_slugize,
    hugo_urlize,
    jekyll_slugify,
    old_addresses,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def found(site, path, front_matter, title="Hello World"):
    return old_addresses(site, path, front_matter, title, SHANGHAI).found


def links(site, path, front_matter, title="Hello World"):
    return [link for link, _ in found(site, path, front_matter, title)]


# --- cleaning ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("/2024/01/18/hello/", "/2024/01/18/hello"),
        ("2024/01/18/hello", "/2024/01/18/hello"),
        ("/2024/01/18/hello/index.html", "/2024/01/18/hello"),
        ("/notes/a%20b.html", "/notes/a b.html"),
        ("/post/AC%E8%87%AA%E5%8A%A8%E6%9C%BA/", "/post/AC自动机"),
        ("/old?utm=x#top", "/old"),
        ("/x//y//", "/x/y"),
        ("https://blog.example/2024/old/", "/2024/old"),
        # A decomposed é (e + U+0301) is stored composed, as requests arrive.
        ("/cafe\u0301/", "/caf\u00e9"),
    ],
)
def test_clean_address(raw, cleaned):
    assert clean_address(raw, frozenset({"blog.example"})) == cleaned


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "the address is empty"),
        ("/", "the home page is this site's own address"),
        ("/index.html", "the home page is this site's own address"),
        ("https://other.example/x", "on another site (other.example)"),
        ("//other.example/x", "on another site (other.example)"),
        ("ftp://blog.example/x", "is not a web address"),
        ("/a/../../etc", "climbs out of the site"),
        ("/a\x07b", "control character"),
        ("/" + "a" * 1000, "characters long; at most 1,000 fit"),
    ],
)
def test_bad_addresses_are_refused_with_the_reason(raw, reason):
    with pytest.raises(AddressError) as raised:
        clean_address(raw, frozenset({"blog.example"}))
    assert reason in str(raised.value)


# --- slug rules of each tool ------------------------------------------------------------


def test_slug_rules_follow_each_tool():
    assert hexo_slugize("Hello, World! C++") == "Hello-World-C"
    assert hexo_slugize("Héllo Wörld", transform=1) == "hello-world"
    assert hexo_slugize("机器 学习") == "机器-学习"
    assert hugo_urlize("Hello World C++ 机器") == "hello-world-c++-机器"
    assert hugo_urlize("Hello  World", lower=False) == "Hello-World"
    assert jekyll_slugify("Hello World.", "pretty", cased=True) == "Hello-World."
    assert jekyll_slugify("The _config.yml file") == "the-config-yml-file"
    assert jekyll_slugify("The _config.yml file", "pretty") == "the-_config.yml-file"


# --- detecting the generator ------------------------------------------------------------


def reader(files):
    return lambda path: files[path].encode()


def test_hexo_is_found_by_source_posts_and_reads_its_config():
    files = {"blog/_config.yml": "permalink: p/:title.html\n", "blog/source/_posts/a.md": ""}
    site = detect_site(list(files), reader(files))
    assert (site.generator, site.root, site.config["permalink"]) == (
        "hexo",
        "blog",
        "p/:title.html",
    )


def test_hexo_without_config_uses_its_defaults():
    files = {"source/_posts/a.md": ""}
    site = detect_site(list(files), reader(files))
    assert (site.generator, site.root, site.config) == ("hexo", "", {})


def test_jekyll_needs_posts_beside_its_config():
    files = {"_config.yml": "permalink: pretty\n", "_posts/2024-01-18-a.md": ""}
    assert detect_site(list(files), reader(files)).generator == "jekyll"
    assert detect_site(["_posts/2024-01-18-a.md"], reader(files)) is None


def test_hugo_by_content_and_any_config_name():
    for name in ("hugo.toml", "config.toml", "hugo.yaml", "config.yml", "hugo.json"):
        body = '{"baseURL": "/"}' if name.endswith("json") else ""
        files = {name: body, "content/posts/a.md": ""}
        assert detect_site(list(files), reader(files)).generator == "hugo", name
    files = {
        "config/_default/hugo.toml": "",
        "config/_default/permalinks.toml": 'posts = "/:slug/"',
    }
    files["content/posts/a.md"] = ""
    site = detect_site(list(files), reader(files))
    assert site.config["permalinks"] == {"posts": "/:slug/"}


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        (
            "_config.yml",
            "\n".join(
                [f"a: &a [{', '.join(['lol'] * 9)}]"]
                + [
                    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
                    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
                ]
            ),
            "alias bomb",
        ),
        ("hugo.toml", "x = " + "[" * 5000 + "]" * 5000, "recursion"),
        ("hugo.json", '{"x": ' + "[" * 5000 + "]" * 5000 + "}", "recursion"),
    ],
)
def test_a_hostile_settings_file_is_reported_not_expanded(name, text, words):
    posts = "source/_posts/a.md" if name.startswith("_") else "content/posts/a.md"
    files = {name: text, posts: ""}
    site = detect_site(list(files), reader(files))
    assert f"{name} cannot be read" in site.problem and words in site.problem


def test_notes_without_a_generator_layout_are_not_a_site():
    files = {"vault/notes/a.md": "", "vault/.obsidian/app.json": "{}", "content/x.md": ""}
    assert detect_site(list(files), reader(files)) is None


def test_a_broken_config_is_reported_and_defaults_apply():
    files = {"_config.yml": "permalink: [unclosed\n", "source/_posts/a.md": ""}
    site = detect_site(list(files), reader(files))
    assert site.generator == "hexo" and "_config.yml cannot be read" in site.problem
    result = old_addresses(site, "source/_posts/a.md", {"date": "2024-01-18"}, "A", SHANGHAI)
    assert result.found == [("/2024/01/18/a/", "hexo")]
    assert "its default addresses are used" in result.warnings[0]


# --- Hexo -------------------------------------------------------------------------------

HEXO = Site("hexo", "", {})


def test_hexo_default_permalink_uses_the_file_path_as_title():
    assert found(HEXO, "source/_posts/hello-world.md", {"date": "2024-01-18 10:00:00"}) == [
        ("/2024/01/18/hello-world/", "hexo")
    ]
    # :title is the path under _posts, folders and spaces included.
    assert links(HEXO, "source/_posts/2024/My Post.md", {"date": "2024-01-08"}) == [
        "/2024/01/08/2024/My Post/"
    ]


def test_hexo_dates_with_an_offset_move_into_the_configured_zone():
    site = Site("hexo", "", {"timezone": "Asia/Shanghai"})
    assert links(site, "source/_posts/a.md", {"date": "2024-01-18T20:00:00+00:00"}) == [
        "/2024/01/19/a/"
    ]


def test_hexo_custom_permalink_tokens():
    config = {
        "permalink": ":category/:year:i_month:i_day/:post_title-:name.html",
        "root": "/blog/",
    }
    site = Site("hexo", "", config)
    front = {"date": "2024-03-05 08:00", "categories": ["Tech", "Web Dev"]}
    assert links(site, "source/_posts/notes/x.md", front, "Hello, World") == [
        "/blog/Tech/Web-Dev/202435/hello-world-x.html"
    ]
    uncategorised = links(site, "source/_posts/x.md", {"date": "2024-03-05"}, "T")
    assert uncategorised == ["/blog/uncategorized/202435/t-x.html"]


def test_hexo_front_matter_tokens_and_hash():
    site = Site("hexo", "", {"permalink": "posts/:abbrlink/"})
    assert links(site, "source/_posts/a.md", {"abbrlink": "4a17b156", "date": "2024-01-01"}) == [
        "/posts/4a17b156/"
    ]
    hashed = links(
        Site("hexo", "", {"permalink": ":hash/"}), "source/_posts/a.md", {"date": "2024-01-18"}
    )
    assert len(hashed) == 1 and len(hashed[0]) == len("/0123456789ab/")


def test_hexo_front_matter_permalink_wins():
    front = {"date": "2024-01-18", "permalink": "about-me/"}
    assert links(HEXO, "source/_posts/a.md", front) == ["/about-me/"]


def test_hexo_new_post_name_with_a_date_gives_the_date_and_title():
    site = Site("hexo", "", {"new_post_name": ":year-:month-:day-:title.md"})
    assert links(site, "source/_posts/2023-07-04-launch.md", {}) == ["/2023/07/04/launch/"]


def test_hexo_post_without_a_date_is_reported():
    result = old_addresses(HEXO, "source/_posts/a.md", {}, "A", SHANGHAI)
    assert result.found == []
    assert result.warnings == ["no date in the front matter, so its old Hexo address is unknown"]


def test_hexo_pages_drafts_and_alias():
    assert links(HEXO, "source/about/index.md", {}) == ["/about/index.html"]
    assert links(HEXO, "source/_drafts/a.md", {"date": "2024-01-01"}) == []
    front = {"date": "2024-01-18", "alias": ["old/a.html", "/b/"]}
    assert links(HEXO, "source/_posts/a.md", front) == ["/2024/01/18/a/", "/old/a.html", "/b/"]


def test_hexo_pretty_urls_without_html_keep_both():
    site = Site("hexo", "", {"permalink": ":title.html", "pretty_urls": {"trailing_html": False}})
    assert links(site, "source/_posts/a.md", {"date": "2024-01-01"}) == ["/a.html", "/a"]


# --- Jekyll -----------------------------------------------------------------------------


def test_jekyll_date_style_is_the_default():
    site = Site("jekyll", "", {})
    front = {"categories": "Web Dev"}
    assert found(site, "_posts/2024-1-8-Hello World.md", front) == [
        ("/web/dev/2024/01/08/Hello-World.html", "jekyll")
    ]


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("pretty", "/2024/01/18/hello/"),
        ("ordinal", "/2024/018/hello.html"),
        ("none", "/hello.html"),
        ("weekdate", "/2024/W03/Thu/hello.html"),
        ("/blog/:year/:slug:output_ext", "/blog/2024/hello.html"),
        ("/:year/:month_:day/:title/", "/2024/01_18/hello/"),
    ],
)
def test_jekyll_permalink_styles(style, expected):
    assert links(Site("jekyll", "", {"permalink": style}), "_posts/2024-01-18-hello.md", {}) == [
        expected
    ]


def test_jekyll_front_matter_permalink_slug_date_and_redirects():
    site = Site("jekyll", "", {"permalink": "pretty", "baseurl": "/site"})
    front = {
        "slug": "Better Name",
        "date": "2024-02-01 09:00:00",
        "redirect_from": ["/old/hello/", "/hello.html"],
    }
    assert links(site, "_posts/2024-01-18-hello.md", front) == [
        "/site/2024/02/01/Better-Name/",
        "/site/old/hello/",
        "/site/hello.html",
    ]
    one = {"permalink": "/:categories/:title/", "categories": ["A"], "redirect_from": "/x"}
    assert links(site, "_posts/2024-01-18-hello.md", one) == ["/site/a/hello/", "/site/x"]


def test_jekyll_folders_above_posts_are_categories_and_pages_get_addresses():
    site = Site("jekyll", "", {})
    assert links(site, "blog/_posts/2024-01-18-hi.md", {}) == ["/blog/2024/01/18/hi.html"]
    assert links(site, "about.md", {}) == ["/about.html"]
    assert links(site, "docs/index.md", {}) == ["/docs/"]
    assert links(Site("jekyll", "", {"permalink": "pretty"}), "about.md", {}) == ["/about/"]
    assert links(site, "_drafts/2024-01-18-x.md", {}) == []
    # Jekyll skips a post whose file name has no date.
    assert links(site, "_posts/undated.md", {}) == []


# --- Hugo -------------------------------------------------------------------------------


def test_hugo_default_is_section_and_file_name_lowercased():
    site = Site("hugo", "", {})
    assert found(site, "content/post/AC自动机学习笔记.md", {}) == [
        ("/post/ac自动机学习笔记/", "hugo")
    ]
    assert links(site, "content/posts/my-trip/index.md", {}) == ["/posts/my-trip/"]
    assert links(site, "content/about.md", {}) == ["/about/"]
    assert links(site, "content/posts/My Note.md", {"slug": "Nice One"}) == ["/posts/nice-one/"]
    assert links(Site("hugo", "", {"uglyurls": True}), "content/posts/a.md", {}) == [
        "/posts/a.html"
    ]


def test_hugo_url_and_aliases_absolute_and_relative():
    site = Site("hugo", "", {"baseurl": "https://me.example/blog/"})
    front = {"aliases": ["/post/AC自动机学习笔记", "old-name"], "url": "/special/path/"}
    assert links(site, "content/post/a.md", front) == [
        "/blog/special/path/",
        "/blog/post/AC自动机学习笔记",
        "/blog/special/old-name",
    ]


def test_hugo_permalinks_by_section():
    config = {"permalinks": {"posts": "/:year/:month/:slug/", "page": {"notes": "/n/:filename/"}}}
    site = Site("hugo", "", config)
    front = {"date": "2024-01-18T23:30:00+00:00", "title": "Hello World"}
    # The date moves into the blog's zone (no timeZone set): 07:30 on the 19th in Shanghai.
    assert links(site, "content/posts/a.md", front) == ["/2024/01/hello-world/"]
    assert links(site, "content/posts/deep/b.md", {"date": "2024-02-01", "slug": "B"}) == [
        "/2024/02/b/"
    ]
    assert links(site, "content/notes/c.md", {}) == ["/n/c/"]
    assert links(site, "content/other/d.md", {}) == ["/other/d/"]
    go_layout = Site("hugo", "", {"permalinks": {"posts": "/:2006/:01-:02/:filename/"}})
    assert links(go_layout, "content/posts/e.md", {"date": "2024-03-09"}) == ["/2024/03-09/e/"]


def test_hugo_permalinks_in_the_newer_list_form():
    rules = [{"target": {"kind": "page", "path": "{/posts,/posts/**}"}, "pattern": "/p/:slug/"}]
    site = Site("hugo", "", {"permalinks": rules})
    assert links(site, "content/posts/a.md", {"slug": "x"}) == ["/p/x/"]


# --- a file on its own ------------------------------------------------------------------


def test_a_lone_file_keeps_what_its_front_matter_names():
    front = {
        "permalink": "/x/y/",
        "redirect_from": "/q",
        "aliases": ["z", "/w/"],
        "url": "/u/",
    }
    assert found(None, "a.md", front) == [
        ("/x/y/", "front matter"),
        ("/u/", "front matter"),
        ("/q", "front matter"),
        ("/z", "front matter"),
        ("/w/", "front matter"),
    ]
    # A permalink pattern means nothing without its site's settings.
    assert found(None, "a.md", {"permalink": "/:year/:title/"}) == []


def test_full_urls_on_the_old_sites_host_become_paths():
    site = Site("jekyll", "", {"url": "https://old.example.com"})
    front = {"redirect_from": ["https://old.example.com/2019/a.html", "https://else.example/b"]}
    assert links(site, "about.md", front) == [
        "/about.html",
        "/2019/a.html",
        "https://else.example/b",
    ]
