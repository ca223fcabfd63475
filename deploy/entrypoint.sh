#!/bin/sh
# The container's entry point: `rumbo` with the arguments given (default `serve`).
# Before serving, the database is migrated: safe on every start of every container,
# as a lock keeps two processes from migrating at once and a schema already at head
# is left alone. Outside a container it runs the same way (see tests/ops).
set -eu
if [ "$#" -eq 0 ]; then
  set -- serve
fi
if [ "$1" = "serve" ]; then
  rumbo db upgrade
fi
exec rumbo "$@"
