"""Use cases shared by the CLI and the service: parse nothing, print nothing."""
