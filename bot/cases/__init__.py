"""Confidential cases: reports and grievances, encrypted at rest and delivered only to their recipients."""
