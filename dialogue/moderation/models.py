"""Moderation models."""
