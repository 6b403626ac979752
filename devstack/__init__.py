"""Local stack for development and tests: emulators, stand-ins and seed data."""
