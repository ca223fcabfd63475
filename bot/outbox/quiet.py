"""Quiet hours, as the outbox sender and the scheduler import them.

The rule itself is the plan store's (``plan_store.quiet_hours``): the console holds
its news to the adolescent by the same rule.
"""

from plan_store.quiet_hours import in_quiet_hours, local_instant, quiet_period_end

__all__ = ["in_quiet_hours", "local_instant", "quiet_period_end"]
