"""Tactic catalogue, disruption operations and actions, and multi-agency meetings."""
