"""`manage.py refresh_sla_rollup`: bring the SLA dashboard's roll-up up to date now (after a bulk
import, or the first time on a large database) instead of waiting for the hourly beat task."""

import time

from django.core.management.base import BaseCommand

from reports.rollup import sla_rollup_refresh


class Command(BaseCommand):
    help = "Settle the incidents closed since the last refresh into the SLA dashboard's daily roll-up."

    def handle(self, *args, **options):
        started = time.monotonic()
        days = sla_rollup_refresh()
        self.stdout.write(
            f"Recomputed {days} day(s) of the SLA roll-up in {time.monotonic() - started:.1f} s."
        )
