from django.core.management.base import BaseCommand

from demo import builder as demo


class Command(BaseCommand):
    help = "Create demo users, services and incidents (idempotent: safe to run again)."

    def handle(self, *args, **options):
        summary = demo.load_demo()
        self.stdout.write(str(summary))
        self.stdout.write("Demo logins (demo only, never use these credentials in production):")
        for username, password, role in demo.logins():
            self.stdout.write(f"  {username:<8} / {password:<8} {role}")
