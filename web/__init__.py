"""HTTP pieces every web part of Rumbo shares (the console, the web chat, the
webhooks): reading a request body within a limit, and the security headers.

It imports none of Rumbo's other packages, so that ``bot`` and ``staff_console``,
which never import each other, can both use it."""
