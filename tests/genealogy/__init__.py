"""Genealogy, trace queries, tamper evidence, recalls, regulator pages and exports."""
