"""Read queries for the console pages: plain selects over the plan_store models.

Every query over cases is narrowed with ``plan_store.services.access.scope_cases``
(operators: their caseload; coordinators: their home; admins: everything). A case
page is read through ``case_for_staff``, which audits the read. Nothing here writes,
except the audit entries those reads leave.
"""
