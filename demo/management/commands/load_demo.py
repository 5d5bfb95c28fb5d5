from django.core.management.base import BaseCommand
from django.db import connection

from demo import builder as demo


class Command(BaseCommand):
    help = "Create demo users, services and incidents (idempotent: safe to run again)."

    def handle(self, *args, **options):
        # ~1,500 small transactions (90 days written through the services): not waiting for each commit's
        # WAL flush makes the load several times faster, and a crash mid-load only means loading again.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
        summary = demo.load_demo()
        self.stdout.write(str(summary))
        self.stdout.write("Demo logins (demo only, never use these credentials in production):")
        for username, password, role in demo.logins():
            self.stdout.write(f"  {username:<8} / {password:<8} {role}")
