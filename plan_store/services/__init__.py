"""The services: the only way state changes.

Each is a plain async function over a ``UnitOfWork``. They check their invariants,
raise a typed error from ``plan_store.errors`` when one would break, and never commit:
the caller owns the transaction.
"""
