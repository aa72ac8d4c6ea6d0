"""Alembic revisions of the job store schema, run by ``netraven.store.schema``.

Shipped inside the package (no alembic.ini, no working-directory lookup) so an installed
NetRaven migrates its store from anywhere. ``env.py`` only runs on a connection handed
over in ``config.attributes["connection"]``: the caller owns the transaction and its lock.
"""
