from __future__ import annotations

from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "examples.django_app"
    label = "video"
    default_auto_field = "django.db.models.BigAutoField"
