"""Pure business rules of Phoenix: no I/O, no SDK imports, so tests call them directly."""
