"""Denial rules: reason codes -> category, the decision tree, appeal levels and deadlines."""
