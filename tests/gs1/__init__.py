"""Tests for trace.gs1: GS1's own conformance vectors plus focused unit tests."""
