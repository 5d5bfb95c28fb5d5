"""Lift a sign-in lockout (core/login_throttle.py) before it ends by itself.

manage.py unlock_login --username alice
manage.py unlock_login --address 203.0.113.9"""

from django.core.management.base import BaseCommand, CommandError

from core import login_throttle


class Command(BaseCommand):
    help = "Lift the sign-in lockout of an account and/or a client address."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="")
        parser.add_argument("--address", default="")

    def handle(self, *args, username: str, address: str, **options):
        if not username and not address:
            raise CommandError("Give --username, --address or both.")
        login_throttle.unlock(username=username, address=address)
        unlocked = " and ".join(
            part for part in (username and f"account '{username}'", address and address) if part
        )
        self.stdout.write(f"Unlocked {unlocked}.")
