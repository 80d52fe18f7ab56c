"""edhub's settings, split by use: base (common), dev (the embedded platform, the default), test and prod."""
