"""One module per trigger: each tells the story of one event (load, decide, act, record)."""
