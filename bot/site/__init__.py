"""The documentation site: snapshot of issues, pure page rendering, and the MkDocs build."""
