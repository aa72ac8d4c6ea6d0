"""Plays → hosts → tasks: concurrency, the check-mode guard, and the job's life cycle."""
