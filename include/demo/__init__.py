"""The sample day, the embedded PostgreSQL and the `make demo` runner."""
