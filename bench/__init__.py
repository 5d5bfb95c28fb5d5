"""The SLA-engine benchmark (issue #3, item 11): `make bench` / `python -m bench [--quick]`.

Seeds open incidents whose resolution deadlines fall over the next minutes into a dedicated
PostgreSQL database, lets a real Celery worker and beat fire them, and reports breach lateness,
duplicates, throughput and the cost of an idle sweep. See bench/RESULTS.md."""
