"""The command line's edges, one module per `mlops-bot` command.

Each module has `register(parser)` (its options) and `run(args) -> exit code`, which parses, calls one
function of its capability, and prints the result with `bot.cli.emit`. Capabilities are imported inside
`run()`, so naming a command loads only what it needs.
"""
