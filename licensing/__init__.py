"""Licences, flags, recommendations, panels, decisions and the statutory register duties."""
