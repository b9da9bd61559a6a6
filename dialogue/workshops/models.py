"""Workshops models."""
