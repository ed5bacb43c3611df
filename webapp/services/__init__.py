"""Operations over the models: publishing, listings, stored files."""
