"""Plumbing every domain stands on: config, database, auth and roles, audit, queue, working days."""
