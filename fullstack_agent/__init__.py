"""Fullstack Agent: per-project Kubernetes sandboxes with Claude Code and a PostgreSQL database."""
