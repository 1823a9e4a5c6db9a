"""Geocoding, the space-time hotspot analysis and the maps built on it."""
