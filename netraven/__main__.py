"""``python -m netraven`` is the ``netraven`` command."""

from netraven.cli.app import main

main()
