"""Non-DAG project files: SQL, templates, and the demo/test tooling in include.demo."""
