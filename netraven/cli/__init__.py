"""The command line: parse, call, print. No business logic lives here."""
