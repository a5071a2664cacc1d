"""Storage errors, all safe to show: they name the database without its password and carry no content.

    StoreError
     +-- StoreUnavailable    the database cannot be reached or migrated
     +-- ConcurrentUpdate    someone else advanced this conversation first
"""

from __future__ import annotations


class StoreError(Exception):
    pass


class StoreUnavailable(StoreError):
    pass


class ConcurrentUpdate(StoreError):
    def __init__(self, conversation_id: int, expected_version: int) -> None:
        super().__init__(f"conversation {conversation_id} was changed by another worker "
                         f"(expected version {expected_version})")
        self.conversation_id = conversation_id
        self.expected_version = expected_version
