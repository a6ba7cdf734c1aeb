"""CDKTF constructs. Their logical IDs are a public contract: changing one moves state."""
