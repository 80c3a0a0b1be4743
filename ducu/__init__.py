"""The program: the `ducu` command, the composition root and the web app's assembly.

The only package that knows every other; `bot/` (the core) and the adapters never import it.
"""
