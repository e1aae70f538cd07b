"""The file store: attachment bytes kept outside the database, addressed by content hash."""
