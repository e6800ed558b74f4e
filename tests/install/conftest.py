"""The install tests use the `project` and `run` fixtures of tests/conftest.py."""
