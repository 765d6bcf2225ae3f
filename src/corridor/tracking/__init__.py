"""Field operations: check-in, screening, boarding, departure, arrival and incidents as an
append-only event log, idempotent by each event's nonce; the store implements its ports."""
