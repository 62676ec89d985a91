"""Delivery of finished plans to Postiz and 企业微信 group robots (targets.py) and the stored results (records.py)."""
