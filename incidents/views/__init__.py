"""Browser UI for incidents: server-rendered pages, htmx for the partial updates.

Views stay thin: a form parses the request, a service writes, a selector reads, a template renders.
Domain errors become HTTP statuses here: InvalidInput 400, NotPermitted 403, TransitionNotAllowed and
ConcurrentModification 409, each shown on the page."""
