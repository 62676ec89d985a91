"""State only the HTTP service uses: API keys, batch jobs, idempotency, leases, deliveries."""
