"""Feeds, the sitemap and robots.txt: the site as feed readers and crawlers see it."""
