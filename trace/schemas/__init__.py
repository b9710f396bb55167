"""Marshmallow schemas: <Thing>Schema dumps, <Thing>CreateSchema loads, <Thing>QueryArgsSchema."""
