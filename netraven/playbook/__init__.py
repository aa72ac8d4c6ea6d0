"""Playbooks: schema, loading, host patterns and templates."""
