"""Everything Netdesigner writes goes through here: written beside its place and renamed
into it (a reader sees the old file or the new one), with room and permission checked up
front, and every failure of the operating system turned into one sentence naming the path
and the reason."""

from engine.storage.atomic import replacing, write_atomically
from engine.storage.errors import StorageError, storage_error, translating
from engine.storage.leftovers import clean_stale
from engine.storage.room import ensure_room
from engine.storage.staging import staged_folder

__all__ = ["StorageError", "clean_stale", "ensure_room", "replacing", "staged_folder",
           "storage_error", "translating", "write_atomically"]
