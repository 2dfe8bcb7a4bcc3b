"""`python -m pytest examples`: the FastAPI examples' tests.

The Django example project runs with pytest-django and its own settings, which
this configuration (the repository's, `-p no:django`) does not load: it has its
own command, `python -m pytest examples/django_app` (its pytest.ini), once per
database (README, Test)."""

collect_ignore = ["django_app"]
