"""The composition of Rumbo's parts: settings, wiring and the ``rumbo`` command.

This is the one package that may import every other; ``plan_store``, ``dialogs``,
``bot`` and ``staff_console`` never import it back.
"""
