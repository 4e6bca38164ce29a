"""Readers that turn input files into Claims."""
