"""State the HTTP service and its batch-job workers use: API keys, batch jobs (ledger, queue, workers, callbacks),
idempotency, deliveries."""
