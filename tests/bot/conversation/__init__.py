"""Tests of the conversation layer."""
