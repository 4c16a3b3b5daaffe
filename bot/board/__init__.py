"""Board sync: plan (pure) and sync (applies a plan through the Projects client)."""
