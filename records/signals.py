"""Signals records sends, so packages above it can act on its changes without records importing them (blinker)."""
from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that saves a record's address (premises' address, an intelligence entry's place),
# with the record as the sender. hotspots.locations receives it and geocodes the record once that transaction
# commits; nothing a receiver does may stop the record being saved.
address_saved = _signals.signal("address-saved")
