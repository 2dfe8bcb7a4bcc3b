"""An example Django project with Stream-style query endpoints (docs/django.md#the-example-project)."""
