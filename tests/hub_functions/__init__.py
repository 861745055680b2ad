"""Tests of the bundled registry's seeded functions (functions_registry/)."""
