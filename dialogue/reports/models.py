"""Reports models."""
