"""All GitHub I/O: REST through PyGithub, GraphQL through the same transport."""
