"""Briefings models."""
