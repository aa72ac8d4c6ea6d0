"""The job store: SQLModel tables, engine set-up, a batched writer and small queries."""
