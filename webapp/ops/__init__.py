"""Running the site: the health check, gunicorn's access log and its timeouts."""
