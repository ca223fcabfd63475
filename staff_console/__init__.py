"""The staff console: a small server-rendered web app over ``plan_store``.

``staff_console.app.create_app`` builds it (``ConsoleRoute`` serves it beside the
other parts of ``rumbo serve``). Routes live in one small module per area
(``auth``, ``dashboard``, ``cases``, ``plan``, ``appointments``, ``flags``,
``messages``, ``codes``, ``evaluations``, ``account``; ``languages`` and
``case_admin`` (admitting, reassigning, exporting) for coordinators and admins;
``admin``, ``consent_texts`` and ``audit_log`` for admins), gathered in
``routes.AREAS``; read queries are in ``queries``, one module per page
(``queries.dashboard``, ``queries.case``, ``queries.evaluations``, ...; what they
share in ``queries.common``; ``admin_queries`` for the admin and languages pages);
every change goes through a ``plan_store`` service.

Adding an area:

1. a module with ``routes: list[BaseRoute]`` whose views are
   ``@staff_endpoint() async def view(page: Page) -> Response``; for some roles
   only, add ``@guards.only(roles)`` under it: anyone else gets a 404, audited;
2. add it to ``routes.AREAS`` and, for a page of its own, a ``NavItem`` with its
   ``roles`` to ``nav.NAV``;
3. read with selects narrowed by ``queries.common.scoped`` (or ``case_for_staff`` for
   one case: it audits the read); change only through ``plan_store`` services, in
   ``actions.case_action`` for a case (``actions.change_action`` otherwise);
4. templates extend ``base.html`` and import ``macros.html`` ``with context``;
   every form carries ``{{ m.csrf() }}`` (the CSRF middleware refuses any unsafe
   request without it, whatever the route) and every string goes through ``_()``.
"""
