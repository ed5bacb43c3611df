"""What a production setup needs from the app: the nginx site file, precompressed static files."""
