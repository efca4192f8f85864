"""Chart pages. Each view declares its rule; the services check again and do the writing."""
