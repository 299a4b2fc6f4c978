"""What every build publishes beside the store: dumps, VoID, sitemap, search, map, network."""
