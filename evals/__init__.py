"""Huati evaluation harness: datasets, calibration of the checks against people, draft runs, reports."""
