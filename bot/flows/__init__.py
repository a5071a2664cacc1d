"""Structured flows (report a concern, confidential grievance): steps defined as data in ``config/flows``."""
