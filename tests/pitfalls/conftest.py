from upstream_server import upstream  # noqa: F401 - the fixture, shared with tests/lifetime
