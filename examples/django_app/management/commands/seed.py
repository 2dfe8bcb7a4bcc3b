"""`python -m examples.django_app.manage seed`: the demo rows, and a token per tenant's user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from ...demo_data import seed


class Command(BaseCommand):
    help = "Fill an empty database with the demo tenants, users, calls and members."

    def handle(self, *args: Any, **options: Any) -> None:
        seeded = seed()
        for tenant, user in seeded.users.items():
            token, _ = Token.objects.get_or_create(user=user)
            self.stdout.write(f"{tenant}: Authorization: Token {token.key}")
