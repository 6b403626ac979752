"""Operator tools for Phoenix (python -m ops --help).

They import the functions' own packages (adapters, domain): `make install` puts functions/ on
the venv's path (functions/venv/.../phoenix.pth), as pytest's `pythonpath` does for tests.
"""
